// Starts a plugin executable as the controller would (SLUICE_PLUGIN_LISTEN set to a fresh Unix
// socket) and waits until its health service answers SERVING. Used by the plugins' tests and
// benchmarks; the controller has its own supervisor.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectMetricProvider, LISTEN_ENV, type MetricProviderClient } from "@sluice/sdk";

export interface PluginProcess {
  readonly address: string;
  readonly client: MetricProviderClient;
  /** What the process printed lately (its pino log lines). */
  output(): string;
  /** SIGTERM, then wait for exit (SIGKILL after 10 s); removes the socket directory. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startPluginProcess(
  command: readonly string[],
  options: { env?: Readonly<Record<string, string | undefined>>; startupTimeoutMs?: number } = {},
): Promise<PluginProcess> {
  const [program, ...args] = command;
  if (program === undefined) throw new Error("startPluginProcess needs a command");
  const dir = await mkdtemp(join(tmpdir(), "sluice-plugin-"));
  const address = `unix://${join(dir, "plugin.sock")}`;
  let output = "";
  const child: ChildProcess = spawn(program, args, {
    env: { ...process.env, ...options.env, [LISTEN_ENV]: address },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const client = connectMetricProvider(address, { timeoutMs: 5_000 });
  const stop = async () => {
    client.close();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const result = await exited;
      clearTimeout(timer);
      await rm(dir, { recursive: true, force: true });
      return result;
    }
    await rm(dir, { recursive: true, force: true });
    return { code: child.exitCode, signal: child.signalCode };
  };

  const deadline = Date.now() + (options.startupTimeoutMs ?? 15_000);
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`plugin ${command.join(" ")} exited during start-up; it printed:\n${output}`);
    }
    try {
      const status = await client.health({ timeoutMs: 1_000 });
      if (status === "SERVING") return { address, client, output: () => output, stop };
      last = status;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(
    `plugin ${command.join(" ")} was not SERVING in time; last health answer: ${last}; it printed:\n${output}`,
  );
}
