// Benchmark: CPU per metric-provider Run call as the analysis controller makes it: the request
// carries an AnalysisRun of about 1.7 KiB as JSON (ten measurements in its status), and many
// calls are in flight at once (the controller's default is 256 passes). Client and plugin run
// in this one process over a Unix socket, so the figure is the whole call, both ends, with
// nothing else on the machine's cores; the plugin's Run does no work of its own.
//
//   node bench/dist/plugin-rpc/run-call.js [--calls 60000] [--in-flight 256] [--unary]
//
// Calls go on the plugin's Calls stream, as the controller sends them; `--unary` makes each
// one a unary call of its own (the path for plugins that do not declare CAPABILITY_CALLS_STREAM).
//
// Reports calls/s and CPU microseconds per call (user + system, every thread of the process).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  connectMetricProvider,
  createPluginLogger,
  MeasurementPhase,
  serveMetricProvider,
} from "@sluice/sdk";

const { values } = parseArgs({
  options: {
    calls: { type: "string", default: "60000" },
    "in-flight": { type: "string", default: "256" },
    unary: { type: "boolean", default: false },
  },
});
const CALLS = Number(values.calls);
const IN_FLIGHT = Number(values["in-flight"]);
if (!(CALLS > 0) || !(IN_FLIGHT > 0)) throw new Error("--calls and --in-flight must be positive");

const measurement = (second: number) => ({
  phase: "Successful",
  value: "true",
  startedAt: `2026-01-01T00:00:${String(second).padStart(2, "0")}Z`,
  finishedAt: `2026-01-01T00:00:${String(second).padStart(2, "0")}Z`,
});
const analysisRun = {
  apiVersion: "argoproj.io/v1alpha1",
  kind: "AnalysisRun",
  metadata: { name: "run-1", namespace: "bench", uid: "a6129a9b-dcf4-40aa-86c3-23a49e3e259a" },
  spec: {
    metrics: [
      {
        name: "ok",
        interval: "1s",
        successCondition: "result == true",
        provider: { web: { url: "http://127.0.0.1:8080/?run=1", jsonPath: "{$.ok}" } },
      },
    ],
  },
  status: {
    phase: "Running",
    metricResults: [
      {
        name: "ok",
        phase: "Running",
        count: 35,
        successful: 35,
        measurements: Array.from({ length: 10 }, (_, i) => measurement(30 + i)),
      },
    ],
  },
};
const request = {
  analysisRun: Buffer.from(JSON.stringify(analysisRun)),
  metric: Buffer.from(JSON.stringify(analysisRun.spec.metrics[0])),
  config: Buffer.from(JSON.stringify(analysisRun.spec.metrics[0]?.provider.web)),
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-run-call-"));
  const plugin = await serveMetricProvider(
    {
      name: "bench/constant",
      version: "1",
      run: () => ({ phase: MeasurementPhase.SUCCESSFUL, value: "true" }),
    },
    {
      listen: `unix://${join(dir, "plugin.sock")}`,
      logger: createPluginLogger("bench/constant", { SLUICE_LOG_LEVEL: "silent" }),
    },
  );
  const client = connectMetricProvider(plugin.address, { callsStream: !values.unary });
  try {
    await client.init({});
    // Warm-up: the call path compiled and the heap at its working size before measuring.
    await drive(client, Math.min(CALLS, 20_000));
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await drive(client, CALLS);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const report = {
      calls: CALLS,
      inFlight: IN_FLIGHT,
      path: values.unary ? "unary" : "calls stream",
      requestBytes: request.analysisRun.length + request.metric.length + request.config.length,
      callsPerSecond: Math.round(CALLS / seconds),
      cpuMicrosecondsPerCall: Number(((cpu.user + cpu.system) / CALLS).toFixed(1)),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    client.close();
    await plugin.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `total` Run calls with IN_FLIGHT outstanding at any time; every reply must be a measurement. */
async function drive(
  client: ReturnType<typeof connectMetricProvider>,
  total: number,
): Promise<void> {
  let started = 0;
  const lane = async (): Promise<void> => {
    while (started < total) {
      started++;
      const reply = await client.run(request);
      if (reply.measurement?.phase !== MeasurementPhase.SUCCESSFUL)
        throw new Error(`unexpected reply: ${JSON.stringify(reply)}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, total) }, lane));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
