import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { type Access, BenchClient, percentile, runConcurrently } from "./client.js";

// Benchmark of devcluster (issue 3): memory with 20k CRs + 20k ReplicaSets + 20k Pods, create
// throughput with 8 requests in flight, list latency, and watch fan-out latency.
// Run: node bench/dist/devcluster/main.js [--objects 20000] [--watchers 100] [--rate 1000] [--seconds 10]
//        [--warmup-seconds 2] [--in-flight 8] [--cli OTHER/devcluster/dist/cli.js]; DEVCLUSTER_NODE_ARGS="--cpu-prof" profiles it.

const { values } = parseArgs({
  options: {
    objects: { type: "string", default: "20000" },
    watchers: { type: "string", default: "100" },
    rate: { type: "string", default: "1000" },
    seconds: { type: "string", default: "10" },
    // Events streamed before the measured ones (their latency is reported apart).
    "warmup-seconds": { type: "string", default: "2" },
    "in-flight": { type: "string", default: "8" },
    // Another build of devcluster's CLI, to compare two versions on the same machine.
    cli: { type: "string" },
  },
});
const OBJECTS = Number(values.objects);
const WATCHERS = Number(values.watchers);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const WARMUP_SECONDS = Number(values["warmup-seconds"]);
const IN_FLIGHT = Number(values["in-flight"]);
const CLI = values.cli ?? new URL("../../../devcluster/dist/cli.js", import.meta.url).pathname;

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (key: string): number =>
    Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMiB: Math.round(kib("VmRSS") / 1024), peakMiB: Math.round(kib("VmHWM") / 1024) };
}

/** CPU time (ms) the devcluster process has used: independent of how busy the machine is. */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  // utime and stime are fields 14 and 15 of /proc/PID/stat, in clock ticks of 10 ms.
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * 10;
}

async function startServer(dataDir: string): Promise<{ child: ChildProcess; access: Access }> {
  // DEVCLUSTER_NODE_ARGS: extra node flags for devcluster alone, e.g. "--cpu-prof".
  const nodeArgs = (process.env.DEVCLUSTER_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");
  const child = spawn(
    process.execPath,
    [...nodeArgs, CLI, "start", "--data-dir", dataDir, "--port", "0"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      // What devcluster prints (for example with DEVCLUSTER_NODE_ARGS=--trace-gc) goes to
      // stderr with a timestamp, so it can be lined up with the phases.
      if (process.env.DEVCLUSTER_BENCH_ECHO === "1")
        process.stderr.write(
          `[devcluster ${new Date().toISOString().slice(11, 23)}] ${chunk.toString()}`,
        );
      output += chunk.toString();
      const match = /serving (https:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) =>
      reject(new Error(`devcluster exited with ${String(code)} before serving: ${output}`)),
    );
  });
  return {
    child,
    access: {
      url,
      caPem: readFileSync(join(dataDir, "ca.crt"), "utf8"),
      token: readFileSync(join(dataDir, "token"), "utf8").trim(),
    },
  };
}

function expectStatus(what: string, status: number, body: string, allowed: number[]): void {
  if (!allowed.includes(status)) throw new Error(`${what}: HTTP ${status}: ${body.slice(0, 300)}`);
}

const WIDGET_CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.bench.sluice.dev" },
  spec: {
    group: "bench.sluice.dev",
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                properties: {
                  replicas: { type: "integer", minimum: 0 },
                  image: { type: "string" },
                  steps: {
                    type: "array",
                    items: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                  },
                },
              },
              status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
            },
          },
        },
      },
    ],
  },
};

function replicaSet(i: number): Record<string, unknown> {
  const app = `app-${i}`;
  return {
    metadata: { name: `rs-${i}`, labels: { app } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels: { app }, annotations: { "bench.sluice.dev/index": String(i) } },
        spec: {
          containers: [
            {
              name: "main",
              image: "nginx:1.25",
              ports: [{ containerPort: 80 }],
              env: [{ name: "INDEX", value: String(i) }],
            },
          ],
        },
      },
    },
  };
}

/**
 * Waits until devcluster's own work has settled (its simulated controllers finish writing
 * statuses for a while after the last pod is Ready), so the list figures count only the lists.
 */
async function waitUntilQuiet(pid: number): Promise<{ waitedMs: number; lastCpuShare: number }> {
  const started = performance.now();
  let share = 1;
  let quietSamples = 0;
  while (performance.now() - started < 60_000) {
    const before = cpuMsOf(pid);
    await new Promise((resolve) => setTimeout(resolve, 500));
    share = (cpuMsOf(pid) - before) / 500;
    quietSamples = share < 0.05 ? quietSamples + 1 : 0;
    if (quietSamples >= 2) break;
  }
  return { waitedMs: Math.round(performance.now() - started), lastCpuShare: share };
}

async function timeList(
  client: BenchClient,
  pid: number,
  path: string,
  expected: number,
): Promise<{ medianMs: number; parseMs: number; bytes: number; serverCpuMs: number }> {
  const times: number[] = [];
  const cpuBefore = cpuMsOf(pid);
  let parseMs = 0;
  let bytes = 0;
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    const reply = await client.send("GET", path);
    times.push(performance.now() - started);
    const parseStart = performance.now();
    const items = (JSON.parse(reply.body) as { items: unknown[] }).items.length;
    parseMs = performance.now() - parseStart;
    bytes = reply.body.length;
    if (items < expected)
      throw new Error(`list ${path} returned ${items} items, expected ${expected}`);
  }
  times.sort((a, b) => a - b);
  return {
    medianMs: Math.round(times[1] ?? 0),
    parseMs: Math.round(parseMs),
    bytes,
    serverCpuMs: Math.round((cpuMsOf(pid) - cpuBefore) / 3),
  };
}

interface WatcherReport {
  counts: number[];
  latencies: number[];
  warmup: number[];
}

/**
 * Creates `count` config maps named PREFIX-i at RATE per second, each stamped in data[stamp]
 * with the time its request is sent. 32 senders take turns on a fixed schedule (event i is due
 * at i/RATE s), so a writer that falls behind lowers the achieved rate instead of inflating
 * the measured delivery latency.
 */
async function stream(writer: BenchClient, prefix: string, stamp: string, count: number) {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      for (let i = next++; i < count; i = next++) {
        const due = started + (i / RATE) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const reply = await writer.send("POST", "/api/v1/namespaces/watch/configmaps", {
          metadata: { name: `${prefix}-${i}` },
          data: { [stamp]: String(Date.now()) },
        });
        expectStatus("create watched config map", reply.status, reply.body, [201]);
      }
    }),
  );
}

async function watchFanOut(access: Access, client: BenchClient): Promise<Record<string, number>> {
  await client.send("POST", "/api/v1/namespaces", { metadata: { name: "watch" } });
  const perWorker = Math.ceil(WATCHERS / 4);
  const workers: Worker[] = [];
  let remaining = WATCHERS;
  const ready: Promise<void>[] = [];
  // Start from the current version: older ones may be beyond the history devcluster keeps.
  const current = JSON.parse(
    (await client.send("GET", "/api/v1/namespaces/watch/configmaps?limit=1")).body,
  ) as { metadata: { resourceVersion: string } };
  const path = `/api/v1/namespaces/watch/configmaps?watch=true&resourceVersion=${current.metadata.resourceVersion}`;
  while (remaining > 0) {
    const count = Math.min(perWorker, remaining);
    remaining -= count;
    const worker = new Worker(new URL("./watcher-worker.js", import.meta.url), {
      workerData: { ...access, path, watchers: count },
    });
    workers.push(worker);
    ready.push(
      new Promise((resolve, reject) => {
        worker.on("message", (m: { type: string; message?: string }) => {
          if (m.type === "ready") resolve();
          if (m.type === "error") reject(new Error(`watcher failed: ${m.message ?? ""}`));
        });
      }),
    );
  }
  await Promise.all(ready);
  const writers = 32;
  const writer = new BenchClient(access, writers);
  // Open every writer connection before the stream starts: 32 TLS handshakes are the
  // client's start-up, not a cost of delivering events.
  await Promise.all(
    Array.from({ length: writers }, () =>
      writer.send("GET", "/api/v1/namespaces/watch/configmaps?limit=1"),
    ),
  );
  // A first stream warms the server's code paths and the watchers' connections up; its
  // events are stamped `warmupAt` and their latency is reported apart from the measured ones.
  if (WARMUP_SECONDS > 0) {
    log(`${WATCHERS} watchers connected; warming up at ${RATE} events/s for ${WARMUP_SECONDS} s`);
    await stream(writer, "w", "warmupAt", RATE * WARMUP_SECONDS);
  }
  log(`writing ${RATE} events/s for ${SECONDS} s`);
  const total = RATE * SECONDS;
  const started = performance.now();
  await stream(writer, "e", "sentAt", total);
  const writeSeconds = (performance.now() - started) / 1000;
  const reports = await Promise.all(
    workers.map(async (worker) => {
      // Give the last events a moment to arrive, then ask for the figures.
      for (let waited = 0; waited < 10_000; waited += 100) {
        const report = await new Promise<WatcherReport>((resolve) => {
          worker.once("message", (m: WatcherReport) => resolve(m));
          worker.postMessage({ type: "report" });
        });
        if (report.counts.every((c) => c >= total)) return report;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return new Promise<WatcherReport>((resolve) => {
        worker.once("message", (m: WatcherReport) => resolve(m));
        worker.postMessage({ type: "report" });
      });
    }),
  );
  for (const worker of workers) await worker.terminate();
  writer.close();
  const latencies = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const warmup = reports.flatMap((r) => r.warmup).sort((a, b) => a - b);
  const counts = reports.flatMap((r) => r.counts);
  return {
    events: total,
    achievedEventsPerSecond: Math.round(total / writeSeconds),
    watchersSeeingEveryEvent: counts.filter((c) => c >= total).length,
    deliveries: latencies.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies[latencies.length - 1] ?? Number.NaN,
    warmupEvents: RATE * WARMUP_SECONDS,
    warmupP99Ms: percentile(warmup, 99),
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "devcluster-bench-"));
  const { child, access } = await startServer(dataDir);
  const pid = child.pid ?? 0;
  const client = new BenchClient(access, IN_FLIGHT);
  const results: Record<string, unknown> = {
    objects: OBJECTS,
    inFlight: IN_FLIGHT,
    loadAverageAtStart: readFileSync("/proc/loadavg", "utf8").split(" ")[0],
  };
  try {
    log(`devcluster at ${access.url}, data in ${dataDir}`);
    await client.send("POST", "/api/v1/namespaces", { metadata: { name: "bench" } });
    const crd = await client.send(
      "POST",
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
      WIDGET_CRD,
    );
    expectStatus("create CRD", crd.status, crd.body, [201]);

    let cpuBefore = cpuMsOf(pid);
    const crMs = await runConcurrently(OBJECTS, IN_FLIGHT, async (i) => {
      const reply = await client.send(
        "POST",
        "/apis/bench.sluice.dev/v1/namespaces/bench/widgets",
        {
          apiVersion: "bench.sluice.dev/v1",
          kind: "Widget",
          metadata: { name: `widget-${i}`, labels: { shard: String(i % 16) } },
          spec: {
            replicas: 3,
            image: "nginx:1.25",
            steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }],
          },
        },
      );
      expectStatus("create widget", reply.status, reply.body, [201]);
    });
    results.customResourceCreatesPerSecond = Math.round(OBJECTS / (crMs / 1000));
    results.serverCpuMsPerCustomResourceCreate =
      Math.round(((cpuMsOf(pid) - cpuBefore) / OBJECTS) * 1000) / 1000;
    log(
      `${OBJECTS} custom resources in ${Math.round(crMs)} ms: ${String(results.customResourceCreatesPerSecond)} creates/s`,
    );

    const rsStarted = performance.now();
    cpuBefore = cpuMsOf(pid);
    const rsMs = await runConcurrently(OBJECTS, IN_FLIGHT, async (i) => {
      const reply = await client.send(
        "POST",
        "/apis/apps/v1/namespaces/bench/replicasets",
        replicaSet(i),
      );
      expectStatus("create replicaset", reply.status, reply.body, [201]);
    });
    results.replicaSetCreatesPerSecond = Math.round(OBJECTS / (rsMs / 1000));
    log(
      `${OBJECTS} ReplicaSets in ${Math.round(rsMs)} ms: ${String(results.replicaSetCreatesPerSecond)} creates/s (their pods are created meanwhile)`,
    );
    for (;;) {
      const pods = JSON.parse((await client.send("GET", "/api/v1/namespaces/bench/pods")).body) as {
        items: Array<{ status?: { conditions?: Array<{ type: string; status: string }> } }>;
      };
      const ready = pods.items.filter((p) =>
        p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
      ).length;
      if (ready >= OBJECTS) break;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    results.secondsUntilAllPodsReady = Math.round((performance.now() - rsStarted) / 100) / 10;
    // Includes the simulated controllers: each ReplicaSet's pod creation and status updates.
    results.serverCpuMsPerReplicaSetWithItsPod =
      Math.round(((cpuMsOf(pid) - cpuBefore) / OBJECTS) * 1000) / 1000;
    log(
      `all ${OBJECTS} pods Ready ${String(results.secondsUntilAllPodsReady)} s after the first ReplicaSet was sent`,
    );

    results.memoryWithAllObjects = memoryOf(pid);
    log(`devcluster memory: ${JSON.stringify(results.memoryWithAllObjects)}`);

    results.quietBeforeLists = await waitUntilQuiet(pid);
    log(`devcluster settled: ${JSON.stringify(results.quietBeforeLists)}`);
    results.listCustomResources = await timeList(
      client,
      pid,
      "/apis/bench.sluice.dev/v1/namespaces/bench/widgets",
      OBJECTS,
    );
    results.listPods = await timeList(client, pid, "/api/v1/namespaces/bench/pods", OBJECTS);
    results.listReplicaSets = await timeList(
      client,
      pid,
      "/apis/apps/v1/namespaces/bench/replicasets",
      OBJECTS,
    );
    log(
      `list ${OBJECTS}: widgets ${JSON.stringify(results.listCustomResources)}, pods ${JSON.stringify(results.listPods)}, replicasets ${JSON.stringify(results.listReplicaSets)}`,
    );

    cpuBefore = cpuMsOf(pid);
    const watchStarted = performance.now();
    const watch = await watchFanOut(access, client);
    results.watch = watch;
    const watchCpuMs = cpuMsOf(pid) - cpuBefore;
    results.serverCpuMsDuringWatch = watchCpuMs;
    // Per event delivered to one watcher, the writer's create included (µs).
    results.serverCpuUsPerDelivery =
      Math.round((watchCpuMs * 1000 * 100) / Math.max(1, watch.deliveries ?? 0)) / 100;
    results.serverCpuShareDuringWatch =
      Math.round(((cpuMsOf(pid) - cpuBefore) / (performance.now() - watchStarted)) * 100) / 100;
    log(`watch: ${JSON.stringify(results.watch)}`);
    results.memoryAtEnd = memoryOf(pid);
    results.loadAverageAtEnd = readFileSync("/proc/loadavg", "utf8").split(" ")[0];
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } finally {
    client.close();
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/devcluster failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
