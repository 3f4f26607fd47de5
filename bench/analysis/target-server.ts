// The Web provider's target for the analysis benchmark, in a process of its own: the driver
// scrapes the controller's /metrics (several MB with 2,000 runs), parses it and reads /proc,
// and none of that may stall the answers the measurements wait for.
//
// GET /?run=N answers {"ok":true} and counts the call for run N; GET /__counts answers the
// counts so far as {"total": T, "perRun": {"N": count, ...}}; GET /__timeline?from=MS answers
// the answers per 100 ms slot since the Unix time MS (the driver's window start), as a JSON
// array; GET /__overruns?from=MS answers, for every request since MS that had a predecessor
// from the same run, how much longer than one second the gap between the two was (ms): the
// lateness of a measurement as the measured service sees it, every queue on the way included.
// The port goes to stdout.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const perRun = new Map<string, number>();
let total = 0;
/** Answers per 100 ms slot of the Unix clock (slot = floor(ms / 100)), oldest first. */
const slots = new Map<number, number>();
/** Per run, when its last request arrived (Unix ms, fractional). */
const lastArrival = new Map<string, number>();
/** Per request with a predecessor: when it arrived and its gap minus one second (ms). */
const overrunAt: number[] = [];
const overrunMs: number[] = [];

const server = createServer((req, res) => {
  const url = req.url ?? "/";
  if (url === "/__counts") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ total, perRun: Object.fromEntries(perRun) }));
    return;
  }
  if (url.startsWith("/__timeline")) {
    const from = Math.floor(Number(new URL(url, "http://x").searchParams.get("from")) / 100);
    const last = Math.floor(Date.now() / 100);
    const counts: number[] = [];
    for (let slot = from; slot < last; slot++) counts.push(slots.get(slot) ?? 0);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(counts));
    return;
  }
  if (url.startsWith("/__overruns")) {
    const from = Number(new URL(url, "http://x").searchParams.get("from"));
    const since: number[] = [];
    for (let i = 0; i < overrunAt.length; i++) {
      if ((overrunAt[i] ?? 0) >= from) since.push(overrunMs[i] ?? 0);
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(since));
    return;
  }
  total++;
  const slot = Math.floor(Date.now() / 100);
  slots.set(slot, (slots.get(slot) ?? 0) + 1);
  const at = url.indexOf("run=");
  if (at >= 0) {
    const run = url.slice(at + "run=".length);
    perRun.set(run, (perRun.get(run) ?? 0) + 1);
    const arrived = performance.timeOrigin + performance.now();
    const previous = lastArrival.get(run);
    if (previous !== undefined) {
      overrunAt.push(arrived);
      overrunMs.push(arrived - previous - 1000);
    }
    lastArrival.set(run, arrived);
  }
  res.writeHead(200, { "content-type": "application/json" });
  res.end('{"ok":true}');
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
