// The Web provider's target for the analysis benchmark, in a process of its own: the driver
// scrapes the controller's /metrics (several MB with 2,000 runs), parses it and reads /proc,
// and none of that may stall the answers the measurements wait for.
//
// GET /?run=N answers {"ok":true} and counts the call for run N; GET /__counts answers the
// counts so far as {"total": T, "perRun": {"N": count, ...}}. The port goes to stdout.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const perRun = new Map<string, number>();
let total = 0;

const server = createServer((req, res) => {
  const url = req.url ?? "/";
  if (url === "/__counts") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ total, perRun: Object.fromEntries(perRun) }));
    return;
  }
  total++;
  const at = url.indexOf("run=");
  if (at >= 0) {
    const run = url.slice(at + "run=".length);
    perRun.set(run, (perRun.get(run) ?? 0) + 1);
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
