import { request } from "node:https";
import { parentPort, workerData } from "node:worker_threads";

// One worker holds several watch connections and measures, for every event, the delay
// between the writer stamping the object (data.sentAt) and the event arriving here.
interface Setup {
  url: string;
  caPem: string;
  token: string;
  path: string;
  watchers: number;
}

const setup = workerData as Setup;
const latencies: number[] = [];
/** Latencies of the warm-up events, which are not counted as seen events. */
const warmup: number[] = [];
const counts: number[] = new Array(setup.watchers).fill(0);
let open = 0;

/** The number in `"key":"digits"` within a line, or undefined when the key is absent. */
function stampOf(line: string, key: string): number | undefined {
  const at = line.indexOf(key);
  if (at < 0) return undefined;
  const value = Number(line.slice(at + key.length, line.indexOf('"', at + key.length)));
  return Number.isFinite(value) ? value : undefined;
}

for (let w = 0; w < setup.watchers; w++) {
  const req = request(
    `${setup.url}${setup.path}`,
    { ca: setup.caPem, headers: { authorization: `Bearer ${setup.token}` } },
    (res) => {
      open++;
      if (open === setup.watchers) parentPort?.postMessage({ type: "ready" });
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        const now = Date.now();
        buffer += chunk;
        let newline = buffer.indexOf("\n");
        while (newline >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          newline = buffer.indexOf("\n");
          // Cheaper than JSON.parse for every line, so the watchers themselves do not add delay.
          if (!line.startsWith('{"type":"ADDED"')) continue;
          const sentAt = stampOf(line, '"sentAt":"');
          if (sentAt !== undefined) {
            latencies.push(now - sentAt);
            counts[w] = (counts[w] ?? 0) + 1;
          } else {
            const warmupAt = stampOf(line, '"warmupAt":"');
            if (warmupAt !== undefined) warmup.push(now - warmupAt);
          }
        }
      });
      res.on("close", () => parentPort?.postMessage({ type: "closed", watcher: w }));
    },
  );
  req.on("error", (error) => parentPort?.postMessage({ type: "error", message: error.message }));
  req.end();
}

parentPort?.on("message", (message: { type: string }) => {
  if (message.type === "report")
    parentPort?.postMessage({ type: "report", latencies, warmup, counts });
});
