// Child-process plugins (file:// locations): started lazily on first use, output piped into
// the controller's log under the plugin's name, restarted with exponential backoff when they
// die, and stopped on shutdown (SIGTERM, then SIGKILL after a grace period) so that no plugin
// process outlives the controller.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Logger } from "pino";
import { pluginLogger } from "../runtime/logger.js";
import { entryFingerprint, type PluginEntry } from "./registry-types.js";

/** The variable the SDK reads its listen address from (sdk/src/address.ts LISTEN_ENV). */
const LISTEN_ENV = "SLUICE_PLUGIN_LISTEN";
/** Our pid, for plugins to notice they were orphaned (sdk/src/server.ts SUPERVISOR_PID_ENV). */
const SUPERVISOR_PID_ENV = "SLUICE_PLUGIN_SUPERVISOR_PID";

export interface SupervisorOptions {
  log: Logger;
  /** Directory for the plugins' sockets; default a fresh one under the system temp dir. */
  socketDir?: string;
  /** First restart delay; doubles on each crash up to maxBackoffMs. Default 500 ms. */
  initialBackoffMs?: number;
  /** Default 30 s. */
  maxBackoffMs?: number;
  /** A child that ran this long before dying restarts after initialBackoffMs again. Default 30 s. */
  stableAfterMs?: number;
  /** Between SIGTERM and SIGKILL on stop. Default 5 s. */
  graceMs?: number;
}

export type StartResult =
  | { ok: true; address: string; generation: number }
  | { ok: false; error: string };

/** One supervised plugin executable. */
export class PluginProcess {
  private child: ChildProcess | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private backoffMs: number;
  private startedAt = 0;
  private stopping = false;
  private exited: Promise<void> = Promise.resolve();
  /** Incremented on every spawn: a new process needs a new Init. */
  generation = 0;
  /** Why the plugin is not running, for status messages. */
  lastError: string | undefined;
  /** Crash count since the controller started (tests and logs). */
  restarts = 0;
  readonly address: string;
  private readonly log: Logger;

  constructor(
    readonly entry: PluginEntry,
    private readonly options: Required<Omit<SupervisorOptions, "log" | "socketDir">> & {
      log: Logger;
      socketDir: string;
    },
  ) {
    this.backoffMs = options.initialBackoffMs;
    const safe = entry.name.replace(/[^A-Za-z0-9._-]+/g, "-");
    this.address = `unix://${join(options.socketDir, `${safe}.sock`)}`;
    this.log = pluginLogger(options.log, entry.name);
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null
      ? this.child.pid
      : undefined;
  }

  /** Start the process unless it runs or waits for its restart; never throws. */
  ensureStarted(): StartResult {
    if (this.stopping) return { ok: false, error: "the controller is shutting down" };
    if (this.child !== undefined)
      return { ok: true, address: this.address, generation: this.generation };
    if (this.restartTimer !== undefined) {
      return { ok: false, error: this.lastError ?? "the plugin process is restarting" };
    }
    return this.spawnNow();
  }

  private spawnNow(): StartResult {
    const path = this.entry.location.type === "file" ? this.entry.location.path : "";
    const isScript = /\.[cm]?js$/.test(path);
    try {
      accessSync(path, isScript ? constants.R_OK : constants.X_OK);
    } catch (error) {
      this.lastError = `cannot start ${path}: ${error instanceof Error ? error.message : String(error)}; install the plugin there or fix its location in argo-rollouts-config`;
      return { ok: false, error: this.lastError };
    }
    if (this.entry.sha256 !== undefined) {
      let digest: string;
      try {
        digest = createHash("sha256").update(readFileSync(path)).digest("hex");
      } catch (error) {
        this.lastError = `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`;
        return { ok: false, error: this.lastError };
      }
      if (digest !== this.entry.sha256) {
        this.lastError = `${path} has sha256 ${digest}, but the registry entry requires ${this.entry.sha256}: install the right executable or fix sha256 in argo-rollouts-config`;
        return { ok: false, error: this.lastError };
      }
    }
    // A JavaScript entry point runs with this Node.js; anything else is executed as is.
    const [command, args] = isScript
      ? [process.execPath, [path, ...this.entry.args]]
      : [path, this.entry.args];
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        stdio: ["ignore", "pipe", "pipe"],
        // The plugin stops by itself if this process dies without stopping it (see the SDK).
        env: {
          ...process.env,
          [LISTEN_ENV]: this.address,
          [SUPERVISOR_PID_ENV]: String(process.pid),
        },
      });
    } catch (error) {
      this.lastError = `cannot start ${path}: ${error instanceof Error ? error.message : String(error)}`;
      return { ok: false, error: this.lastError };
    }
    this.child = child;
    this.generation++;
    this.startedAt = Date.now();
    this.lastError = undefined;
    this.exited = new Promise((resolve) => child.once("close", () => resolve()));
    this.pipe(child);
    child.once("error", (error) => {
      this.log.error({ error: error.message }, "plugin process failed to start");
      this.lastError = `cannot start ${path}: ${error.message}`;
      // A spawn that failed outright emits no "exit": treat it as one so it is retried.
      if (child.pid === undefined) this.onExit(child, null, null);
    });
    child.once("exit", (code, signal) => this.onExit(child, code, signal));
    this.log.info(
      { pid: child.pid, address: this.address, generation: this.generation },
      "plugin process started",
    );
    return { ok: true, address: this.address, generation: this.generation };
  }

  private pipe(child: ChildProcess): void {
    for (const [stream, source] of [
      ["stdout", child.stdout],
      ["stderr", child.stderr],
    ] as const) {
      if (source === null) continue;
      createInterface({ input: source }).on("line", (line) => this.forward(stream, line));
    }
  }

  /** One line of the child's output into the controller log; pino JSON keeps its level. */
  private forward(stream: "stdout" | "stderr", line: string): void {
    if (line.trim() === "") return;
    let level: "info" | "warn" | "error" = stream === "stderr" ? "warn" : "info";
    let message = line;
    try {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed === "object" && parsed !== null) {
        const record = parsed as Record<string, unknown>;
        if (typeof record.level === "number")
          level = record.level >= 50 ? "error" : record.level >= 40 ? "warn" : "info";
        if (typeof record.msg === "string") message = record.msg;
        this.log[level]({ stream, pluginLog: record }, message);
        return;
      }
    } catch {
      // plain text output
    }
    this.log[level]({ stream }, message);
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    if (this.stopping) return;
    this.restarts++;
    if (Date.now() - this.startedAt >= this.options.stableAfterMs)
      this.backoffMs = this.options.initialBackoffMs;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs);
    const how = signal === null ? `exit code ${code ?? "?"}` : `signal ${signal}`;
    this.lastError = `plugin process exited (${how}); restarting in ${(delay / 1000).toFixed(1)} s`;
    this.log.warn(
      { code, signal, restartInMs: delay, restarts: this.restarts },
      "plugin process exited; restarting with backoff",
    );
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopping) this.spawnNow();
    }, delay);
    this.restartTimer.unref();
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves once the process is gone. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    if (child === undefined) return;
    child.kill("SIGTERM");
    const killer = setTimeout(() => {
      this.log.warn({ pid: child.pid }, "plugin process ignored SIGTERM; killing it");
      child.kill("SIGKILL");
    }, this.options.graceMs);
    await this.exited;
    clearTimeout(killer);
    this.child = undefined;
  }

  /** Kill an unhealthy child; the exit handler restarts it with backoff. */
  kill(): void {
    this.child?.kill("SIGKILL");
  }

  /** Last resort on process exit: no async work is possible there. */
  killNow(): void {
    this.stopping = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    this.child?.kill("SIGKILL");
  }
}

/** Every supervised plugin process of one controller. */
export class PluginSupervisor {
  private readonly processes = new Map<string, PluginProcess>();
  private readonly options: ConstructorParameters<typeof PluginProcess>[1];
  private readonly ownsSocketDir: boolean;
  private readonly onProcessExit = (): void => {
    for (const p of this.processes.values()) p.killNow();
  };

  constructor(options: SupervisorOptions) {
    this.ownsSocketDir = options.socketDir === undefined;
    this.options = {
      log: options.log,
      socketDir: options.socketDir ?? mkdtempSync(join(tmpdir(), "sluice-plugins-")),
      initialBackoffMs: options.initialBackoffMs ?? 500,
      maxBackoffMs: options.maxBackoffMs ?? 30_000,
      stableAfterMs: options.stableAfterMs ?? 30_000,
      graceMs: options.graceMs ?? 5_000,
    };
    process.on("exit", this.onProcessExit);
  }

  /** The process for `entry` (created, not started). An entry with another identity replaces it. */
  processFor(key: string, entry: PluginEntry): PluginProcess {
    let proc = this.processes.get(key);
    // Every call asks (host.currentEpoch): the same entry object is the common case, and the
    // fingerprints (two JSON encodings) are compared only when the registry handed out a new one.
    if (
      proc === undefined ||
      (proc.entry !== entry && entryFingerprint(proc.entry) !== entryFingerprint(entry))
    ) {
      if (proc !== undefined) void proc.stop();
      proc = new PluginProcess(entry, this.options);
      this.processes.set(key, proc);
    }
    return proc;
  }

  get(key: string): PluginProcess | undefined {
    return this.processes.get(key);
  }

  /** Stop and forget one plugin (its registration changed or went away). */
  async release(key: string): Promise<void> {
    const proc = this.processes.get(key);
    this.processes.delete(key);
    await proc?.stop();
  }

  async stopAll(): Promise<void> {
    const all = [...this.processes.values()];
    this.processes.clear();
    await Promise.all(all.map((p) => p.stop()));
    process.off("exit", this.onProcessExit);
    if (this.ownsSocketDir) rmSync(this.options.socketDir, { recursive: true, force: true });
  }
}
