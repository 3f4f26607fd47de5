// Benchmark: unary SetWeight through the SDK over a Unix socket and over loopback TCP,
// against the same implementation called in-process, sequentially and with 16 calls in
// flight. Reports calls/s, p50 and p99 per case.
//
//   node bench/dist/plugin-rpc/main.js [--calls 10000] [--warmup 10000] [--only unix,http2]
//
// Each case starts with `--warmup` calls at 16 in flight, so that both processes are measured
// in the steady state of a long-running controller and plugin: with 1,000 the sequential rows
// still include the JIT compiling the call path and the heaps growing (p99 about twice as
// high on the first 10,000 calls as on the next).
//
// `--only` runs the cases whose name contains one of the given words, for example
// `--only "unix socket"`; by default every case runs. The "raw HTTP/2" case is the floor:
// the same bytes on node:http2 with nothing decoded (raw-http2.ts). The "no SDK" case is
// grpc-js on both sides with a handler that does nothing: the general gRPC library the SDK's
// own client and server (sdk/src/unary-channel.ts, http2-server.ts) replaced. Those clients
// run in this process after the SDK's client was created, so they too have the SDK's
// process-wide Node 20 fix (sdk/src/async-bind-fix.ts).
//
// The plugin runs in a child process (as in production, where controller and plugin are
// separate processes); the client runs here. Issue 2 goals on the 2-core build machine:
// sequential over the socket p50 <= 300 us and p99 <= 2 ms; >= 5,000 calls/s with 16 in flight.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  connectTrafficRouter,
  createPluginLogger,
  serveTrafficRouter,
  type TrafficRouterPlugin,
  toJsonBytes,
  trafficRouterHandlers,
} from "@sluice/sdk";
import { rawClient, serveRaw } from "./raw-grpc.js";
import { rawHttp2Client, serveRawHttp2 } from "./raw-http2.js";
import { benchRollout } from "./rollout.js";

/** The implementation under test: what a minimal router does, remember the weight. */
const weights = new Map<string, number>();
const router: TrafficRouterPlugin = {
  name: "bench/memory-router",
  version: "0.0.0",
  setWeight({ rollout, desiredWeight }) {
    const metadata = rollout.metadata as { name?: string } | undefined;
    weights.set(metadata?.name ?? "", desiredWeight);
  },
};

const request = {
  rollout: toJsonBytes(benchRollout),
  config: toJsonBytes({ routeName: "web" }),
  desiredWeight: 30,
  additionalDestinations: [],
};

type Call = () => Promise<unknown>;

interface Figures {
  callsPerSecond: number;
  p50Micros: number;
  p99Micros: number;
  /** CPU time this process (the client) spent per call. */
  clientCpuMicros: number;
  /** CPU time the plugin process spent per call (undefined in-process). */
  pluginCpuMicros: number | undefined;
}

/** User + system CPU of another process in microseconds, from /proc (Linux clock ticks). */
function processCpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10_000 : undefined;
  } catch {
    return undefined;
  }
}

function percentile(sortedNanos: BigInt64Array, fraction: number): number {
  const index = Math.min(sortedNanos.length - 1, Math.floor(sortedNanos.length * fraction));
  return Number(sortedNanos[index] ?? 0n) / 1_000;
}

async function measure(
  call: Call,
  calls: number,
  inFlight: number,
  pluginPid?: number,
): Promise<Figures> {
  const latencies = new BigInt64Array(calls);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls) {
      const slot = next++;
      const start = process.hrtime.bigint();
      await call();
      latencies[slot] = process.hrtime.bigint() - start;
    }
  };
  const pluginCpuBefore = processCpuMicros(pluginPid);
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const pluginCpuAfter = processCpuMicros(pluginPid);
  latencies.sort();
  return {
    callsPerSecond: calls / seconds,
    p50Micros: percentile(latencies, 0.5),
    p99Micros: percentile(latencies, 0.99),
    clientCpuMicros: (cpu.user + cpu.system) / calls,
    pluginCpuMicros:
      pluginCpuBefore === undefined || pluginCpuAfter === undefined
        ? undefined
        : (pluginCpuAfter - pluginCpuBefore) / calls,
  };
}

function startPluginProcess(
  listen: string,
  flag = "--serve",
): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), flag, listen], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let buffered = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const line = buffered.split("\n").find((text) => text.startsWith("LISTENING "));
      if (line !== undefined) resolve({ child, address: line.slice("LISTENING ".length).trim() });
    });
    child.once("exit", (code) =>
      reject(new Error(`bench plugin exited with ${String(code)} before listening`)),
    );
  });
}

async function serveForBenchmark(listen: string): Promise<void> {
  const handle = await serveTrafficRouter(router, {
    listen,
    logger: createPluginLogger(router.name, { SLUICE_LOG_LEVEL: "silent" }),
  });
  process.stdout.write(`LISTENING ${handle.address}\n`);
}

function row(transport: string, mode: string, f: Figures): string {
  const plugin = f.pluginCpuMicros === undefined ? "-" : f.pluginCpuMicros.toFixed(0);
  return `| ${transport.padEnd(16)} | ${mode.padEnd(12)} | ${Math.round(f.callsPerSecond).toString().padStart(8)} | ${f.p50Micros.toFixed(0).padStart(6)} | ${f.p99Micros.toFixed(0).padStart(6)} | ${f.clientCpuMicros.toFixed(0).padStart(10)} | ${plugin.padStart(10)} |`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      serve: { type: "string" },
      "serve-raw": { type: "string" },
      "serve-http2": { type: "string" },
      only: { type: "string" },
      calls: { type: "string", default: "10000" },
      warmup: { type: "string", default: "10000" },
    },
  });
  if (values.serve !== undefined) return serveForBenchmark(values.serve);
  const rawListen = values["serve-raw"];
  if (rawListen !== undefined) {
    process.stdout.write(`LISTENING ${await serveRaw(rawListen)}\n`);
    return;
  }
  const http2Listen = values["serve-http2"];
  if (http2Listen !== undefined) {
    process.stdout.write(`LISTENING ${await serveRawHttp2(http2Listen)}\n`);
    return;
  }
  const calls = Number(values.calls);
  const warmup = Number(values.warmup);

  const load = (): string =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(" ");
  console.log(
    `node ${process.version}, ${cpus().length} CPUs, ${calls} calls per case after ${warmup} warm-up calls`,
  );
  console.log(`load average before: ${load()}`);
  console.log(
    "| transport        | mode         |  calls/s | p50 µs | p99 µs | client CPU | plugin CPU |",
  );
  console.log(
    "|                  |              |          |        |        | µs/call    | µs/call    |",
  );
  console.log(
    "|------------------|--------------|----------|--------|--------|------------|------------|",
  );

  const handlers = trafficRouterHandlers(
    router,
    createPluginLogger(router.name, { SLUICE_LOG_LEVEL: "silent" }),
  );
  type Opened = { call: Call; stop: () => void; pid?: number };
  const cases: Array<{ transport: string; call: () => Promise<Opened> }> = [
    {
      transport: "in-process",
      call: async () => ({ call: () => handlers.setWeight(request), stop: () => undefined }),
    },
    {
      transport: "unix socket",
      call: async () => {
        const plugin = await startPluginProcess(`unix:///tmp/sluice-bench-${process.pid}.sock`);
        const client = connectTrafficRouter(plugin.address);
        return {
          call: () => client.setWeight(request),
          stop: () => {
            client.close();
            plugin.child.kill("SIGTERM");
          },
          pid: plugin.child.pid,
        };
      },
    },
    {
      transport: "unix, no SDK",
      call: async () => {
        const plugin = await startPluginProcess(
          `unix:///tmp/sluice-bench-raw-${process.pid}.sock`,
          "--serve-raw",
        );
        const client = rawClient(plugin.address, request);
        return {
          call: client.call,
          stop: () => {
            client.close();
            plugin.child.kill("SIGTERM");
          },
          pid: plugin.child.pid,
        };
      },
    },
    {
      transport: "unix, raw HTTP/2",
      call: async () => {
        const plugin = await startPluginProcess(
          `unix:///tmp/sluice-bench-http2-${process.pid}.sock`,
          "--serve-http2",
        );
        const client = await rawHttp2Client(plugin.address, request);
        return {
          call: async () => {
            await client.call();
            return {};
          },
          stop: () => {
            client.close();
            plugin.child.kill("SIGTERM");
          },
          pid: plugin.child.pid,
        };
      },
    },
    {
      transport: "TCP 127.0.0.1",
      call: async () => {
        const plugin = await startPluginProcess("127.0.0.1:0");
        const client = connectTrafficRouter(plugin.address);
        return {
          call: () => client.setWeight(request),
          stop: () => {
            client.close();
            plugin.child.kill("SIGTERM");
          },
          pid: plugin.child.pid,
        };
      },
    },
  ];
  const only = values.only?.split(",").map((word) => word.trim().toLowerCase());
  const selected = cases.filter(
    ({ transport }) =>
      only === undefined || only.some((word) => transport.toLowerCase().includes(word)),
  );
  for (const { transport, call: open } of selected) {
    const { call, stop, pid } = await open();
    try {
      const check = (await call()) as { error?: { message: string } };
      if (check.error !== undefined)
        throw new Error(`SetWeight answered an error: ${check.error.message}`);
      await measure(call, warmup, 16);
      console.log(row(transport, "sequential", await measure(call, calls, 1, pid)));
      console.log(row(transport, "16 in flight", await measure(call, calls, 16, pid)));
    } finally {
      stop();
    }
  }
  console.log(`load average after: ${load()}`);
}

await main();
