// Benchmark: many AnalysisRuns measured at once (issue #6). N runs (default 2,000), each one
// metric with a 1 s interval, through the bundled Web provider plugin against a local HTTP
// server in this process; devcluster and the controller run as their own processes.
//
// Reported, over a steady window after every run has started:
//   measurements/s taken (HTTP requests the server answered) against those asked (N per s);
//   lateness of a measurement: the controller's own histogram of "provider call started"
//     minus "measurement due" (finishedAt + interval, spec §2.3), p50/p99;
//   CPU of the controller, its plugin children and devcluster over the window; controller RSS.
//
//   npx tsc -b bench && node bench/dist/analysis/main.js [--runs N] [--window S] [--threads T]
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { BenchClient, runConcurrently } from "../devcluster/client.js";
import {
  cpuSecondsOf,
  memoryOf,
  startController,
  startDevcluster,
  stopProcess,
} from "../scale/processes.js";
import { histogram, histogramDelta, parseSamples, quantile } from "../scale/prom.js";

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const RUNS = flag("runs", 2000);
const WINDOW_S = flag("window", 30);
const THREADS = flag("threads", 10);
/** `--profile`: the controller writes a CPU profile into the kept data directory. */
const PROFILE = process.argv.includes("--profile");
const NAMESPACE = "bench";
const CRD_DIR = new URL("../../../deploy/crds/", import.meta.url).pathname;
const LATENESS = "sluice_analysis_measurement_lateness_seconds";

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

async function lateness(metricsPort: number) {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return histogram(parseSamples(text, [LATENESS]), LATENESS);
}

async function main(): Promise<void> {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  const dataDir = mkdtempSync(join(tmpdir(), "sluice-bench-analysis-"));
  const cluster = await startDevcluster(dataDir);
  const client = new BenchClient(cluster.access, 8);
  let controller: Awaited<ReturnType<typeof startController>> | undefined;
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
    controller = await startController(
      cluster.kubeconfig,
      THREADS,
      dataDir,
      PROFILE ? "--cpu-prof" : "",
    );
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
    const cpuBefore = new Map(pids().map((pid) => [pid, cpuSecondsOf(pid)]));
    const devCpuBefore = cpuSecondsOf(cluster.child.pid ?? 0);
    const requestsBefore = requests;
    const lateBefore = await lateness(controller.metricsPort);
    const started = performance.now();
    let peakRss = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, memoryOf(controllerPid).rssMiB);
    }, 1000);
    await new Promise((resolve) => setTimeout(resolve, WINDOW_S * 1000));
    clearInterval(sampler);
    const seconds = (performance.now() - started) / 1000;
    const taken = requests - requestsBefore;
    const lateAfter = await lateness(controller.metricsPort);
    const window = histogramDelta(lateAfter, lateBefore);
    let controllerCpu = 0;
    let pluginCpu = 0;
    for (const pid of pids()) {
      const used = cpuSecondsOf(pid) - (cpuBefore.get(pid) ?? 0);
      if (pid === controllerPid) controllerCpu += used;
      else pluginCpu += used;
    }
    const devCpu = cpuSecondsOf(cluster.child.pid ?? 0) - devCpuBefore;
    const p50 = quantile(window, 0.5);
    const p99 = quantile(window, 0.99);
    const report = {
      runs: RUNS,
      windowSeconds: Number(seconds.toFixed(1)),
      measurementsAskedPerSecond: RUNS,
      measurementsTakenPerSecond: Math.round(taken / seconds),
      latenessSeconds: {
        observed: window.count,
        p50: p50.estimate,
        p50AtMost: p50.atMost,
        p99: p99.estimate,
        p99AtMost: p99.atMost,
      },
      cpuCoresOverWindow: {
        controller: Number((controllerCpu / seconds).toFixed(2)),
        plugins: Number((pluginCpu / seconds).toFixed(2)),
        devcluster: Number((devCpu / seconds).toFixed(2)),
      },
      controllerPeakRssMiB: peakRss,
      analysisThreads: 30,
      loadAverage: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" "),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    if (controller !== undefined) await stopProcess(controller.child);
    await stopProcess(cluster.child);
    client.close();
    server.closeAllConnections();
    server.close();
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
