// Benchmark: many AnalysisRuns measured at once (issue #6). N runs (default 2,000), each one
// metric with a 1 s interval, through the bundled Web provider plugin against a local HTTP
// server; that server, devcluster and the controller each run as their own process. (The
// server used to live in this process, where parsing a scrape of the controller's /metrics
// held up its answers for about a second, and with them the measurements at the window's start.)
//
// Reported, over a steady window after every run has started:
//   measurements/s taken (HTTP requests the server answered) against those asked (N per s),
//     and per run, answers against the measurements its status counts (none may be lost);
//   lateness of a measurement: the controller's own histogram of "provider call started"
//     minus "measurement due" (finishedAt + interval, spec §2.3), p50/p99, and the share of
//     measurements later than 0.5 s and 1 s;
//   the same seen from the measured service: per run, the gap between two requests minus the
//     interval (it also counts time queued in the plugin and on the way back);
//   measurements taken in every one-second span of the window (the dips make the tail);
//   CPU of the controller, its plugin children and devcluster over the window, also as CPU
//     milliseconds per measurement taken (the figure to compare on a shared, noisy machine);
//   how long due passes waited for one of the controller's AnalysisRun workers, and how long a
//     pass held one (workers / mean pass time bounds the passes per second);
//   API requests and plugin calls per measurement; controller RSS, heap and time in GC; the
//   machine's speed.
//
//   npx tsc -b bench && node bench/dist/analysis/main.js [--runs N] [--window S]
//     [--threads T]  the controller's --analysis-threads (default: the controller's own, 256)
//     [--profile]    CPU profiles of devcluster, the controller and its plugins over the window
//                    only, kept with the logs in the data directory (allocation samples
//                    instead with SLUICE_BENCH_PROFILE_HEAP=1)
//   SLUICE_BENCH_CONTROLLER_MAIN=/path/to/controller/dist/main.js runs another controller
//   build (for an A/B comparison, run two benchmarks side by side so both see the same load).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { referenceWorkMs } from "../common/index.js";
import { BenchClient, runConcurrently } from "../devcluster/client.js";
import { cpuSecondsOf, memoryOf, startDevcluster, stopProcess } from "../scale/processes.js";
import {
  counterBy,
  type Histogram,
  histogram,
  histogramDelta,
  parseSamples,
  quantile,
} from "../scale/prom.js";
import { type AnalysisController, startAnalysisController } from "./controller.js";

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const RUNS = flag("runs", 2000);
const WINDOW_S = flag("window", 30);
/** The controller's --analysis-threads; absent: the controller's own default. */
const THREADS = process.argv.includes("--threads") ? flag("threads", 1) : undefined;
/** `--profile`: every process writes a CPU profile of the window into the kept data directory. */
const PROFILE = process.argv.includes("--profile");
const NAMESPACE = "bench";
const CRD_DIR = new URL("../../../deploy/crds/", import.meta.url).pathname;
const LATENESS = "sluice_analysis_measurement_lateness_seconds";
const QUEUE_WAIT = "workqueue_queue_duration_seconds";
const WORK = "workqueue_work_duration_seconds";
const K8S_REQUESTS = "controller_clientset_k8s_request_total";
const PLUGIN_CALLS = "plugin_calls_total";
const GC_SECONDS = "nodejs_gc_duration_seconds";
const HEAP_USED = "nodejs_heap_size_used_bytes";
const PRELOAD = new URL("./profile-preload.js", import.meta.url).href;
const TARGET_SERVER = new URL("./target-server.js", import.meta.url).pathname;

const log = (message: string): void => {
  process.stderr.write(`[bench/analysis ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

/** Child processes of `pid` (the controller's plugin processes). */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
      .split("\n")
      .map((line) => Number(line.trim()))
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}

/** The lateness histogram and the AnalysisRun queue's wait histogram, as /metrics has them now. */
async function histograms(metricsPort: number) {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const samples = parseSamples(text, [
    LATENESS,
    QUEUE_WAIT,
    WORK,
    K8S_REQUESTS,
    PLUGIN_CALLS,
    GC_SECONDS,
    HEAP_USED,
  ]);
  return {
    lateness: histogram(samples, LATENESS),
    queueWait: histogram(
      samples.filter((s) => s.labels.name === "analysisruns"),
      QUEUE_WAIT,
    ),
    // API requests and plugin calls so far, by "verb kind" and by method.
    requests: counterBy(samples, K8S_REQUESTS, "verb", (l) => l.kind === "analysisruns"),
    pluginCalls: counterBy(samples, PLUGIN_CALLS, "method"),
    // Seconds the controller spent in garbage collection so far, by kind (minor, major...).
    gcSeconds: counterBy(samples, `${GC_SECONDS}_sum`, "kind"),
    heapUsedBytes: samples.find((s) => s.name === HEAP_USED)?.value ?? Number.NaN,
    passes: histogram(
      samples.filter((s) => s.labels.name === "analysisruns"),
      WORK,
    ),
  };
}

/** Waits (bounded) until `count` profiles are written, so stopping the processes loses none. */
async function waitForProfiles(dir: string, count: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  let found: string[] = [];
  while (Date.now() < deadline) {
    found = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile") || f.endsWith(".heapprofile"));
    if (found.length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  log(`only ${found.length} of ${count} profiles were written: ${found.join(", ")}`);
}

/** Starts (first call) or stops and writes (second call) the preloaded profiler of `pids`. */
function toggleProfiles(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGUSR2");
    } catch {
      // Gone already (a plugin restarted): its profile is simply missing.
    }
  }
}

interface TargetServer {
  child: ChildProcess;
  port: number;
}

/** Starts the Web provider's target (target-server.ts) and waits for its port. */
function startTargetServer(): Promise<TargetServer> {
  const child = spawn(process.execPath, [TARGET_SERVER], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`target server exited with ${String(code)}`)));
    child.stdout?.once("data", (chunk: Buffer) => {
      const port = Number(chunk.toString().trim());
      if (Number.isInteger(port) && port > 0) resolve({ child, port });
      else reject(new Error(`target server printed no port: ${chunk.toString()}`));
    });
  });
}

/** Calls the target has answered: in all, and per run (keyed by the run's index). */
async function answered(port: number): Promise<{ total: number; perRun: Record<string, number> }> {
  const reply = await fetch(`http://127.0.0.1:${port}/__counts`);
  return (await reply.json()) as { total: number; perRun: Record<string, number> };
}

/**
 * For every run, provider calls answered minus the measurements its status counts, tallied by
 * difference. The answers are read before the list, so a measurement answered meanwhile shows
 * as -1 and one answered but not yet written as 1.
 */
/**
 * Per measurement in the window, how much longer than the 1 s interval its run's gap between
 * two requests at the target was (ms, sorted). It includes what `lateness` leaves out: the
 * time the call spent queued in the plugin and on the way, and the answer's way back.
 */
async function overrunsSince(port: number, fromMs: number): Promise<number[]> {
  const reply = await fetch(`http://127.0.0.1:${port}/__overruns?from=${fromMs}`);
  return ((await reply.json()) as number[]).sort((a, b) => a - b);
}

/** The share of a histogram's observations above `bound` (one of its bucket bounds). */
function shareAbove(h: Histogram, bound: number): number {
  const atOrBelow = h.buckets.find((b) => b.le === bound)?.count ?? Number.NaN;
  return h.count === 0 ? Number.NaN : Number((1 - atOrBelow / h.count).toFixed(4));
}

/** The target's answers per 100 ms slot over the window that started at `fromMs`. */
async function timeline(port: number, fromMs: number, seconds: number): Promise<number[]> {
  const reply = await fetch(`http://127.0.0.1:${port}/__timeline?from=${fromMs}`);
  return ((await reply.json()) as number[]).slice(0, seconds * 10);
}

/**
 * Measurements taken in each sliding one-second span of the window (100 ms steps): how steady
 * the throughput was. Lateness follows its dips, not its mean: a second that takes fewer than
 * the runs due in it leaves the rest waiting.
 */
function perSecondSpread(slots: readonly number[]): Record<string, number> {
  const sums: number[] = [];
  for (let start = 0; start + 10 <= slots.length; start++) {
    let sum = 0;
    for (let i = start; i < start + 10; i++) sum += slots[i] ?? 0;
    sums.push(sum);
  }
  sums.sort((a, b) => a - b);
  const at = (q: number) =>
    sums[Math.min(sums.length - 1, Math.floor(q * sums.length))] ?? Number.NaN;
  return {
    min: sums[0] ?? Number.NaN,
    p01: at(0.01),
    p10: at(0.1),
    p50: at(0.5),
    max: sums.at(-1) ?? Number.NaN,
  };
}

async function recordedAgainstAnswered(
  client: BenchClient,
  targetPort: number,
): Promise<Record<string, number>> {
  const { perRun } = await answered(targetPort);
  const reply = await client.send(
    "GET",
    `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/analysisruns`,
  );
  const list = JSON.parse(reply.body) as {
    items: Array<{
      metadata: { name: string };
      status?: { metricResults?: Array<{ count?: number }> };
    }>;
  };
  const tally: Record<string, number> = {};
  for (const run of list.items) {
    const index = run.metadata.name.slice("run-".length);
    const recorded = run.status?.metricResults?.[0]?.count ?? 0;
    const difference = (perRun[index] ?? 0) - recorded;
    tally[difference] = (tally[difference] ?? 0) + 1;
  }
  return tally;
}

async function main(): Promise<void> {
  const speedBefore = referenceWorkMs();
  const target = await startTargetServer();
  const port = target.port;

  const dataDir = mkdtempSync(join(tmpdir(), "sluice-bench-analysis-"));
  if (PROFILE) {
    // Inherited by devcluster, the controller and (through it) the plugin processes.
    process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} --import=${PRELOAD}`.trim();
    process.env.SLUICE_BENCH_PROFILE_DIR = dataDir;
  }
  const cluster = await startDevcluster(dataDir);
  const client = new BenchClient(cluster.access, 8);
  let controller: AnalysisController | undefined;
  try {
    for (const file of readdirSync(CRD_DIR).filter((f) => f.endsWith(".yaml"))) {
      const crd = parseYaml(readFileSync(join(CRD_DIR, file), "utf8"));
      const reply = await client.send(
        "POST",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        crd,
      );
      if (reply.status !== 201) throw new Error(`CRD ${file}: HTTP ${reply.status}`);
    }
    await client.send("POST", "/api/v1/namespaces", { metadata: { name: NAMESPACE } });
    controller = await startAnalysisController(cluster.kubeconfig, THREADS, dataDir);
    const controllerPid = controller.child.pid ?? 0;
    log(`controller up (metrics :${controller.metricsPort}); creating ${RUNS} AnalysisRuns`);

    const createdMs = await runConcurrently(RUNS, 8, async (i) => {
      const reply = await client.send(
        "POST",
        `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/analysisruns`,
        {
          apiVersion: "argoproj.io/v1alpha1",
          kind: "AnalysisRun",
          metadata: { name: `run-${i}` },
          spec: {
            metrics: [
              {
                name: "ok",
                interval: "1s",
                successCondition: "result == true",
                provider: {
                  web: { url: `http://127.0.0.1:${port}/?run=${i}`, jsonPath: "{$.ok}" },
                },
              },
            ],
          },
        },
      );
      if (reply.status !== 201) throw new Error(`create run-${i}: HTTP ${reply.status}`);
    });
    log(`created in ${(createdMs / 1000).toFixed(1)} s; warming up for 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 15_000));

    const pids = () => [controllerPid, ...childrenOf(controllerPid)];
    const devPid = cluster.child.pid ?? 0;
    const profiled = [devPid, ...pids()];
    if (PROFILE) toggleProfiles(profiled);
    const cpuBefore = new Map(pids().map((pid) => [pid, cpuSecondsOf(pid)]));
    const devCpuBefore = cpuSecondsOf(devPid);
    const targetPid = target.child.pid ?? 0;
    const targetCpuBefore = cpuSecondsOf(targetPid);
    const loadAtStart = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    const before = await histograms(controller.metricsPort);
    const requestsBefore = (await answered(port)).total;
    const startedAtMs = Date.now();
    const started = performance.now();
    let peakRss = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, memoryOf(controllerPid).rssMiB);
    }, 1000);
    await new Promise((resolve) => setTimeout(resolve, WINDOW_S * 1000));
    clearInterval(sampler);
    const taken = (await answered(port)).total - requestsBefore;
    const seconds = (performance.now() - started) / 1000;
    const slots = await timeline(port, startedAtMs, WINDOW_S);
    const overruns = await overrunsSince(port, startedAtMs);
    const steadiness = perSecondSpread(slots);
    if (process.env.SLUICE_BENCH_TIMELINE) log(`per 100 ms: ${slots.join(" ")}`);
    if (PROFILE) toggleProfiles(profiled);
    const after = await histograms(controller.metricsPort);
    const window = histogramDelta(after.lateness, before.lateness);
    const queueWait = histogramDelta(after.queueWait, before.queueWait);
    const passes = histogramDelta(after.passes, before.passes);
    let controllerCpu = 0;
    let pluginCpu = 0;
    for (const pid of pids()) {
      const used = cpuSecondsOf(pid) - (cpuBefore.get(pid) ?? 0);
      if (pid === controllerPid) controllerCpu += used;
      else pluginCpu += used;
    }
    const devCpu = cpuSecondsOf(devPid) - devCpuBefore;
    const targetCpu = cpuSecondsOf(targetPid) - targetCpuBefore;
    const perTaken = (
      now: ReadonlyMap<string, number>,
      then: ReadonlyMap<string, number>,
    ): Record<string, number> =>
      Object.fromEntries(
        [...now]
          .map(([key, value]): [string, number] => [
            key,
            Number(((value - (then.get(key) ?? 0)) / Math.max(1, taken)).toFixed(3)),
          ])
          .filter(([, value]) => value > 0),
      );
    const perMeasurement = (cpuSeconds: number): number =>
      taken === 0 ? Number.NaN : Number(((cpuSeconds * 1000) / taken).toFixed(3));
    const p50 = quantile(window, 0.5);
    const p99 = quantile(window, 0.99);
    const recording = await recordedAgainstAnswered(client, port);
    const report = {
      runs: RUNS,
      windowSeconds: Number(seconds.toFixed(1)),
      measurementsAskedPerSecond: RUNS,
      measurementsTakenPerSecond: Math.round(taken / seconds),
      // Spread over every one-second span of the window (sliding in 100 ms steps).
      measurementsInOneSecond: steadiness,
      latenessSeconds: {
        observed: window.count,
        p50: p50.estimate,
        p50AtMost: p50.atMost,
        p99: p99.estimate,
        p99AtMost: p99.atMost,
        // Share of the window's measurements that started later than 0.5 s / 1 s.
        laterThan: {
          "0.5": shareAbove(window, 0.5),
          "1": shareAbove(window, 1),
        },
      },
      // Seen from the measured service: the gap between two requests of a run, minus the 1 s
      // interval (seconds). Every queue on the way counts here, not only the wait to start.
      intervalOverrunAtTargetSeconds: {
        observed: overruns.length,
        p50: Number(
          ((overruns[Math.floor(overruns.length * 0.5)] ?? Number.NaN) / 1000).toFixed(3),
        ),
        p99: Number(
          ((overruns[Math.floor(overruns.length * 0.99)] ?? Number.NaN) / 1000).toFixed(3),
        ),
        max: Number(((overruns.at(-1) ?? Number.NaN) / 1000).toFixed(3)),
        // Gaps shorter than the interval: a measurement taken early (none expected).
        early: overruns.filter((ms) => ms < -50).length,
      },
      cpuCoresOverWindow: {
        controller: Number((controllerCpu / seconds).toFixed(2)),
        plugins: Number((pluginCpu / seconds).toFixed(2)),
        devcluster: Number((devCpu / seconds).toFixed(2)),
        // The Web provider's target server (not part of the system measured, but it shares
        // the cores).
        targetHttpServer: Number((targetCpu / seconds).toFixed(2)),
      },
      cpuMsPerMeasurement: {
        controller: perMeasurement(controllerCpu),
        plugins: perMeasurement(pluginCpu),
        devcluster: perMeasurement(devCpu),
        total: perMeasurement(controllerCpu + pluginCpu + devCpu),
      },
      workerWaitSeconds: {
        p50: quantile(queueWait, 0.5).estimate,
        p99: quantile(queueWait, 0.99).estimate,
        p99AtMost: quantile(queueWait, 0.99).atMost,
      },
      // A worker is held for a whole pass (provider call and status write): workers divided by
      // this mean is the most passes per second the pool allows.
      passes: {
        perSecond: Math.round(passes.count / seconds),
        meanSeconds:
          passes.count === 0 ? Number.NaN : Number((passes.sum / passes.count).toFixed(4)),
      },
      // What one measurement cost in AnalysisRun API requests and plugin calls (window only).
      perMeasurement: {
        apiRequests: perTaken(after.requests, before.requests),
        pluginCalls: perTaken(after.pluginCalls, before.pluginCalls),
      },
      // Provider answers minus measurements in the run's status (count), per run: -1, 0 or 1
      // while one is in flight; more means measurements were taken and not recorded.
      answeredMinusRecorded: recording,
      controllerPeakRssMiB: peakRss,
      controllerHeapUsedMiB: Math.round(after.heapUsedBytes / 2 ** 20),
      // Share of the window the controller spent collecting garbage, by kind.
      controllerGcShareOfWindow: Object.fromEntries(
        [...after.gcSeconds].map(([kind, total]) => [
          kind,
          Number(((total - (before.gcSeconds.get(kind) ?? 0)) / seconds).toFixed(3)),
        ]),
      ),
      // The machine's speed before the run (see bench/common/machine-speed.ts): CPU ms of a
      // fixed piece of work, lower is faster. Compare runs only at like figures.
      referenceWorkMs: speedBefore,
      analysisThreads: THREADS ?? "the controller's default",
      loadAverageAtStart: loadAtStart,
      loadAverage: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" "),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (PROFILE) await waitForProfiles(dataDir, profiled.length);
  } finally {
    if (controller !== undefined) await stopProcess(controller.child);
    await stopProcess(cluster.child);
    client.close();
    await stopProcess(target.child);
    if (PROFILE) log(`profile and logs kept in ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench/analysis failed: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
