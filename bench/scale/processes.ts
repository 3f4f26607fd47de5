import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Access } from "../devcluster/client.js";

// devcluster and the controller each run as their own process, so the CPU and memory read from
// /proc belong to one of them only and not to this driver.

const DEVCLUSTER_CLI = new URL("../../../devcluster/dist/cli.js", import.meta.url).pathname;
const CONTROLLER_MAIN = new URL("../../../controller/dist/main.js", import.meta.url).pathname;

export interface Memory {
  rssMiB: number;
  peakMiB: number;
}

export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (key: string): number =>
    Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMiB: Math.round(kib("VmRSS") / 1024), peakMiB: Math.round(kib("VmHWM") / 1024) };
}

/** Child processes of `pid` (the plugin processes of the controller) with their memory. */
export function childrenOf(pid: number): Array<{ pid: number; command: string } & Memory> {
  const found: Array<{ pid: number; command: string } & Memory> = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Field 4 (ppid) follows the parenthesised command name.
      const ppid = Number(stat.split(") ")[1]?.split(" ")[1] ?? -1);
      if (ppid !== pid) continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      const script = args.find((a) => a.endsWith(".js")) ?? args[0] ?? "";
      found.push({
        pid: Number(entry),
        command: script.split("/node_modules/").at(-1) ?? script,
        ...memoryOf(Number(entry)),
      });
    } catch {
      // The process ended between listing and reading: skip it.
    }
  }
  return found;
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  // utime and stime are fields 14 and 15 of /proc/PID/stat, in clock ticks (100 per second).
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / 100;
}

/** Resolves with the first capture of `pattern` in the child's stdout, or rejects if it exits. */
function waitForOutput(
  child: ChildProcess,
  pattern: RegExp,
  what: string,
): Promise<RegExpExecArray> {
  return new Promise<RegExpExecArray>((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match?.[1]) {
        child.stdout?.off("data", onData);
        resolve(match);
      } else if (seen.length > 1_000_000) seen = seen.slice(-10_000);
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) =>
      reject(
        new Error(
          `${what} exited with ${String(code)} before starting; output: ${seen.slice(-2000)}`,
        ),
      ),
    );
  });
}

export interface Devcluster {
  child: ChildProcess;
  access: Access;
  kubeconfig: string;
}

export async function startDevcluster(dataDir: string): Promise<Devcluster> {
  const child = spawn(
    process.execPath,
    [DEVCLUSTER_CLI, "start", "--data-dir", dataDir, "--port", "0"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  child.stdout?.pipe(createWriteStream(join(dataDir, "devcluster.log")));
  const started = await waitForOutput(
    child,
    /serving (https:\/\/\S+)\s+kubeconfig: (\S+)/,
    "devcluster",
  );
  const url = started[1] ?? "";
  const kubeconfig = started[2] ?? join(dataDir, "kubeconfig");
  return {
    child,
    kubeconfig,
    access: {
      url,
      caPem: readFileSync(join(dataDir, "ca.crt"), "utf8"),
      token: readFileSync(join(dataDir, "token"), "utf8").trim(),
    },
  };
}

export interface Controller {
  child: ChildProcess;
  metricsPort: number;
  logPath: string;
}

/** Starts the controller; its pino log goes to a file (read it when a run looks wrong). */
export async function startController(
  kubeconfig: string,
  threads: number,
  logDir: string,
  /** Node flags for the controller only, e.g. "--cpu-prof --heapsnapshot-signal=SIGUSR2". */
  nodeOptions = "",
): Promise<Controller> {
  const child = spawn(
    process.execPath,
    [
      ...nodeOptions.split(" ").filter((arg) => arg !== ""),
      CONTROLLER_MAIN,
      "--kubeconfig",
      kubeconfig,
      "--metrics-port",
      "0",
      "--rollout-threads",
      String(threads),
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
      // Profiles and heap snapshots land beside the log (keep them with --keep).
      cwd: logDir,
    },
  );
  const logPath = join(logDir, "controller.log");
  child.stdout?.pipe(createWriteStream(logPath));
  const line =
    (await waitForOutput(child, /^(.*"sluice-controller started".*)$/m, "controller"))[1] ?? "";
  let port = Number.NaN;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed === "object" && parsed !== null && "port" in parsed) {
      port = Number(parsed.port);
    }
  } catch {
    // Falls through to the error below with the line that could not be read.
  }
  if (!Number.isInteger(port) || port <= 0) {
    child.kill("SIGTERM");
    throw new Error(`controller start line carries no metrics port: ${line}`);
  }
  return { child, metricsPort: port, logPath };
}

/** Sends SIGTERM and waits (bounded) for the exit, then SIGKILL. */
export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}
