#!/usr/bin/env node
// Measures the simulated kubelet's CPU with N running pods that have readiness and liveness
// probes (every second). Run after `npx tsc -b devcluster`:
//   node devcluster/bench/kubelet-cpu.mjs [--pods 20000] [--seconds 20]
// devcluster runs in this process; the figure is this process's CPU time per wall-clock
// second once every pod is Ready, while nothing but the kubelet has work to do.
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startDevClusterServer } from "../dist/start.js";

const { values } = parseArgs({
  options: {
    pods: { type: "string", default: "20000" },
    seconds: { type: "string", default: "20" },
  },
});
const total = Number(values.pods);
const seconds = Number(values.seconds);
const dataDir = mkdtempSync(join(tmpdir(), "devcluster-kubelet-bench-"));
const cluster = await startDevClusterServer({ dataDir, port: 0, podReadyDelayMs: 100 });
const agent = new Agent({ keepAlive: true, maxSockets: 16, ca: cluster.caPem });

function call(method, path, body) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${cluster.url}${path}`,
      {
        method,
        agent,
        headers: {
          authorization: `Bearer ${cluster.token}`,
          ...(payload
            ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }
            : {}),
        },
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on("error", reject);
    if (payload) req.write(payload);
    req.end();
  });
}

const probe = (kind) => ({
  [kind]: { port: 8080, ...(kind === "httpGet" ? { path: "/healthz" } : {}) },
  periodSeconds: 1,
});
const started = Date.now();
let next = 0;
async function creator() {
  while (next < total) {
    const i = next++;
    const res = await call("POST", "/api/v1/namespaces/default/pods", {
      metadata: { name: `bench-${i}`, labels: { app: "bench" } },
      spec: {
        containers: [
          {
            name: "app",
            image: "example.org/bench:1",
            readinessProbe: probe("httpGet"),
            livenessProbe: probe("tcpSocket"),
          },
        ],
      },
    });
    if (res.status !== 201)
      throw new Error(`creating pod bench-${i} answered ${res.status}: ${res.text}`);
  }
}
await Promise.all(Array.from({ length: 16 }, creator));
const createdIn = (Date.now() - started) / 1000;

async function readyCount() {
  const res = await call("GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dbench");
  const items = JSON.parse(res.text).items;
  return items.filter((p) =>
    (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
  ).length;
}
const deadline = Date.now() + 600_000;
for (;;) {
  const ready = await readyCount();
  if (ready >= total) break;
  if (Date.now() > deadline)
    throw new Error(`only ${ready} of ${total} pods became Ready in 10 minutes`);
  await new Promise((r) => setTimeout(r, 2000));
}
const allReadyIn = (Date.now() - started) / 1000;

const cpuBefore = process.cpuUsage();
const wallBefore = process.hrtime.bigint();
await new Promise((r) => setTimeout(r, seconds * 1000));
const cpu = process.cpuUsage(cpuBefore);
const wall = Number(process.hrtime.bigint() - wallBefore) / 1e9;
const cores = (cpu.user + cpu.system) / 1e6 / wall;
console.log(
  JSON.stringify({
    pods: total,
    probes: "readiness httpGet + liveness tcpSocket, periodSeconds 1",
    createdSeconds: Number(createdIn.toFixed(1)),
    allReadySeconds: Number(allReadyIn.toFixed(1)),
    measuredSeconds: Number(wall.toFixed(1)),
    cpuCoresWhileRunning: Number(cores.toFixed(4)),
    rssMiB: Math.round(process.memoryUsage().rss / 1048576),
  }),
);
await cluster.stop();
rmSync(dataDir, { recursive: true, force: true });
