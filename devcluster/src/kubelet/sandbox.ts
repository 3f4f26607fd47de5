import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";

/**
 * Containers with a command run for real, but only inside a bubblewrap sandbox: new user,
 * pid, network (loopback only), ipc and uts namespaces, uid/gid 65534, the host's /usr
 * read-only, an empty tmpfs /tmp, an address-space limit, and killed with the pod. When the
 * sandbox cannot be set up, nothing runs and the pod says why.
 */
const BWRAP_CANDIDATES = ["/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"];
const SEARCH_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
const VISIBLE_ROOTS = ["/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/"];
const NOBODY = "65534";
const MAX_LOG_BYTES = 1024 * 1024;
/** At most this many sandboxed processes at once: the machine is shared and has few cores. */
export const MAX_SANDBOXED_PROCESSES = 64;
let running = 0;

export function sandboxedProcessCount(): number {
  return running;
}

export interface SandboxProbe {
  available: boolean;
  /** Why commands cannot run (shown in the container's waiting message). */
  reason?: string;
}

function bwrapArgs(bwrap: string, hostname: string, env: Record<string, string>): string[] {
  const args = [
    bwrap,
    "--unshare-all",
    "--die-with-parent",
    "--new-session",
    "--uid",
    NOBODY,
    "--gid",
    NOBODY,
    "--hostname",
    hostname.slice(0, 63) || "pod",
    "--ro-bind",
    "/usr",
    "/usr",
    "--symlink",
    "usr/bin",
    "/bin",
    "--symlink",
    "usr/sbin",
    "/sbin",
    "--symlink",
    "usr/lib",
    "/lib",
    "--symlink",
    "usr/lib64",
    "/lib64",
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/tmp",
    "--chdir",
    "/tmp",
    "--clearenv",
  ];
  for (const [name, value] of Object.entries(env)) args.push("--setenv", name, value);
  return args;
}

let probed: SandboxProbe | undefined;

/** Whether bubblewrap is installed and can create its namespaces here (checked once). */
export function probeSandbox(): SandboxProbe {
  if (probed) return probed;
  const bwrap = BWRAP_CANDIDATES.find((path) => executable(path));
  if (!bwrap) {
    probed = {
      available: false,
      reason:
        "devcluster does not run container commands: bubblewrap (bwrap) is not installed; install it (apt-get install bubblewrap) and restart devcluster",
    };
    return probed;
  }
  const [command, ...args] = bwrapArgs(bwrap, "probe", { PATH: "/usr/bin:/bin" });
  const result = spawnSync(command ?? bwrap, [...args, "--", "/bin/true"], {
    timeout: 10_000,
    encoding: "utf8",
  });
  probed =
    result.status === 0
      ? { available: true }
      : {
          available: false,
          reason: `devcluster does not run container commands: the bubblewrap sandbox cannot be set up here (${(result.stderr || result.error?.message || `exit ${String(result.status)}`).trim()})`,
        };
  return probed;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The path the sandbox would run for `command`, or undefined when it does not exist there. */
export function resolveExecutable(command: string): string | undefined {
  if (command.includes("/")) {
    if (!command.startsWith("/")) return undefined;
    return VISIBLE_ROOTS.some((root) => command.startsWith(root)) && executable(command)
      ? command
      : undefined;
  }
  for (const dir of SEARCH_PATH) {
    const candidate = `${dir}/${command}`;
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

export interface SandboxRun {
  argv: string[];
  env: Record<string, string>;
  hostname: string;
  memoryBytes: number;
}

/** One sandboxed container process; its output is kept (last 1 MiB) for `pods/log`. */
export class SandboxedProcess {
  private readonly child: ChildProcess;
  private chunks: Buffer[] = [];
  private bytes = 0;
  exited = false;

  constructor(run: SandboxRun, onExit: (exitCode: number, signal: string | null) => void) {
    const bwrap = BWRAP_CANDIDATES.find((path) => executable(path)) ?? "bwrap";
    const [command, ...args] = bwrapArgs(bwrap, run.hostname, {
      PATH: SEARCH_PATH.join(":"),
      HOME: "/tmp",
      HOSTNAME: run.hostname,
      ...run.env,
    });
    args.push("--", "/usr/bin/prlimit", `--as=${run.memoryBytes}`, "--", ...run.argv);
    // Its own process group, so that a kill reaches bwrap's init inside the sandbox too, even
    // when it comes while bwrap is still setting the sandbox up.
    this.child = spawn(command ?? bwrap, args, {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    running++;
    const keep = (chunk: Buffer): void => {
      this.chunks.push(chunk);
      this.bytes += chunk.length;
      while (this.bytes > MAX_LOG_BYTES && this.chunks.length > 1) {
        this.bytes -= this.chunks[0]?.length ?? 0;
        this.chunks.shift();
      }
    };
    this.child.stdout?.on("data", keep);
    this.child.stderr?.on("data", keep);
    this.child.on("error", (error) => {
      keep(Buffer.from(`devcluster: could not start the sandbox: ${error.message}\n`));
      if (!this.exited) {
        this.exited = true;
        running--;
        onExit(128, null);
      }
    });
    this.child.on("close", (code, signal) => {
      if (this.exited) return;
      this.exited = true;
      running--;
      // A process killed by a signal reports 128 + the signal number, as container runtimes do.
      onExit(code ?? (signal === "SIGKILL" ? 137 : signal === "SIGTERM" ? 143 : 128), signal);
    });
  }

  log(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }

  kill(): void {
    if (this.exited) return;
    const pid = this.child.pid;
    try {
      if (pid !== undefined) process.kill(-pid, "SIGKILL");
      else this.child.kill("SIGKILL");
    } catch {
      // The group is already gone: the process ended on its own.
    }
  }
}
