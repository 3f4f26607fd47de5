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
const counts: number[] = new Array(setup.watchers).fill(0);
let open = 0;

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
          const at = line.indexOf('"sentAt":"');
          const sentAt =
            at < 0 ? Number.NaN : Number(line.slice(at + 10, line.indexOf('"', at + 10)));
          if (Number.isFinite(sentAt)) latencies.push(now - sentAt);
          counts[w] = (counts[w] ?? 0) + 1;
        }
      });
      res.on("close", () => parentPort?.postMessage({ type: "closed", watcher: w }));
    },
  );
  req.on("error", (error) => parentPort?.postMessage({ type: "error", message: error.message }));
  req.end();
}

parentPort?.on("message", (message: { type: string }) => {
  if (message.type === "report") parentPort?.postMessage({ type: "report", latencies, counts });
});
