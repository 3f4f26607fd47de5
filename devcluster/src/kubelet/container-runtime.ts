import type { ImageRegistry } from "./images.js";
import { validImageReference } from "./images.js";
import { failureRecordedAt, firstPassAt, type ProbeTiming } from "./probes.js";
import {
  MAX_SANDBOXED_PROCESSES,
  resolveExecutable,
  SandboxedProcess,
  type SandboxProbe,
  sandboxedProcessCount,
} from "./sandbox.js";

/** What the kubelet needs to know about one container, derived from the pod spec and hooks. */
export interface ContainerPlan {
  name: string;
  image: string;
  init: boolean;
  pullAlways: boolean;
  /** command + args, when the container has a command to run for real. */
  argv?: string[];
  env: Record<string, string>;
  memoryBytes: number;
  readiness?: ProbeTiming;
  liveness?: ProbeTiming;
  startup?: ProbeTiming;
  postStartMs: number;
  preStopMs: number;
  /** Ready this long after start when there is no readiness probe. */
  readyDelayMs: number;
  /** Hooks: the simulated process ends this long after start with this exit code. */
  simulatedExit?: { afterMs: number; exitCode: number };
  /** Hooks: never restart (the fail hook), a fixed back-off (the crash-loop hook). */
  neverRestart: boolean;
  fixedBackOffMs?: number;
  neverReady: boolean;
  readinessFailsAfterMs?: number;
  livenessFailsAfterMs?: number;
  startupFails: boolean;
}

export interface Terminated {
  exitCode: number;
  reason: string;
  message?: string;
  startedAt: number;
  finishedAt: number;
}

export type ContainerView =
  | { kind: "waiting"; reason: string; message?: string }
  | { kind: "running"; startedAt: number; started: boolean; ready: boolean }
  | { kind: "terminated"; last: Terminated };

export interface PodContext {
  podName: string;
  restartPolicy: string;
  images: ImageRegistry;
  pulled: Set<string>;
  sandbox: () => SandboxProbe;
  /** Called when a real process exits, so the pod is looked at again. */
  onProcessExit: () => void;
  crashBackOffBaseMs: number;
  imageBackOffBaseMs: number;
}

const MAX_BACK_OFF_MS = 300_000;
/** How long a failed pull is reported as ErrImagePull before ImagePullBackOff. */
const ERR_IMAGE_PULL_MS = 2_000;

/** The kubelet's state for one container of one pod, advanced by `advance(now)`. */
export class ContainerRuntime {
  private pullStartedAt: number | undefined;
  private pullFailures = 0;
  private pullFailedAt: number | undefined;
  private pulledAt: number | undefined;
  private instanceStartedAt: number | undefined;
  private process: SandboxedProcess | undefined;
  private exit: Terminated | undefined;
  private restartAt: number | undefined;
  private pendingRestart = false;
  restartCount = 0;
  lastState: Terminated | undefined;
  done: Terminated | undefined;
  view: ContainerView = { kind: "waiting", reason: "ContainerCreating" };
  previousLog = "";
  private exitedLog = "";

  constructor(public plan: ContainerPlan) {}

  get running(): boolean {
    return this.instanceStartedAt !== undefined;
  }

  /** Whether the container has ever been started (the pod counts as Running then). */
  get everStarted(): boolean {
    return this.instanceStartedAt !== undefined || this.lastState !== undefined || !!this.done;
  }

  get imagePulled(): boolean {
    return this.pulledAt !== undefined;
  }

  log(): string {
    return this.process ? this.process.log() : this.exitedLog;
  }

  /** Moves the container forward to `now`; returns when it next changes by itself. */
  advance(now: number, ctx: PodContext): number {
    const plan = this.plan;
    if (this.done) {
      this.view = { kind: "terminated", last: this.done };
      return Number.POSITIVE_INFINITY;
    }
    if (!validImageReference(plan.image)) {
      this.view = {
        kind: "waiting",
        reason: "InvalidImageName",
        message: `Failed to apply default image tag "${plan.image}": couldn't parse image name "${plan.image}": invalid reference format`,
      };
      return Number.POSITIVE_INFINITY;
    }
    if (this.pulledAt === undefined) {
      const next = this.pull(now, ctx);
      if (this.pulledAt === undefined) return next;
    }
    for (let guard = 0; guard < 4; guard++) {
      if (this.instanceStartedAt === undefined) {
        const startAt = Math.max(this.pulledAt ?? now, this.restartAt ?? 0);
        if (now < startAt) {
          this.view = {
            kind: "waiting",
            reason: "CrashLoopBackOff",
            message: `back-off ${Math.round((startAt - (this.lastState?.finishedAt ?? now)) / 1000)}s restarting failed container=${plan.name} pod=${ctx.podName}`,
          };
          return startAt;
        }
        const refused = this.start(now, ctx);
        if (refused) {
          this.view = refused.view;
          return refused.retryAt;
        }
      }
      if (this.exit === undefined) {
        const { next, exit } = this.runningView(now);
        if (!exit) return next;
        this.stopProcess();
        this.exit = exit;
      }
      const exit = this.exit;
      this.exit = undefined;
      this.instanceStartedAt = undefined;
      this.lastState = exit;
      const restart =
        !plan.neverRestart &&
        (ctx.restartPolicy === "Always"
          ? !plan.init || exit.exitCode !== 0
          : ctx.restartPolicy === "OnFailure" && exit.exitCode !== 0);
      if (!restart) {
        this.done = exit;
        this.view = { kind: "terminated", last: exit };
        return Number.POSITIVE_INFINITY;
      }
      // The first restart is immediate; later ones back off 10 s, 20 s, 40 s... up to 5 minutes.
      const delay =
        this.restartCount === 0
          ? 0
          : (plan.fixedBackOffMs ??
            Math.min(MAX_BACK_OFF_MS, ctx.crashBackOffBaseMs * 2 ** (this.restartCount - 1)));
      this.restartAt = exit.finishedAt + delay;
      this.pendingRestart = true;
      if (now < this.restartAt) {
        this.view = {
          kind: "waiting",
          reason: "CrashLoopBackOff",
          message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${plan.name} pod=${ctx.podName}`,
        };
        return this.restartAt;
      }
    }
    return now + 1;
  }

  private pull(now: number, ctx: PodContext): number {
    const plan = this.plan;
    if (!plan.pullAlways && ctx.pulled.has(plan.image)) {
      this.pulledAt = now;
      return now;
    }
    let attemptStart = this.pullStartedAt ?? now;
    this.pullStartedAt = attemptStart;
    for (;;) {
      const attemptEnd: number = attemptStart + ctx.images.pullDelayMs;
      if (now < attemptEnd) {
        this.view =
          this.pullFailedAt === undefined
            ? { kind: "waiting", reason: "ContainerCreating" }
            : this.backOffView(now);
        return this.pullFailedAt !== undefined && now < this.pullFailedAt + ERR_IMAGE_PULL_MS
          ? Math.min(attemptEnd, this.pullFailedAt + ERR_IMAGE_PULL_MS)
          : attemptEnd;
      }
      if (ctx.images.has(plan.image)) {
        this.pulledAt = attemptEnd;
        ctx.pulled.add(plan.image);
        return attemptEnd;
      }
      this.pullFailures++;
      this.pullFailedAt = attemptEnd;
      const backOff = Math.min(
        MAX_BACK_OFF_MS,
        ctx.imageBackOffBaseMs * 2 ** (this.pullFailures - 1),
      );
      attemptStart = attemptEnd + backOff;
      this.pullStartedAt = attemptStart;
      if (now < attemptStart) {
        this.view = this.backOffView(now);
        return now < attemptEnd + ERR_IMAGE_PULL_MS ? attemptEnd + ERR_IMAGE_PULL_MS : attemptStart;
      }
    }
  }

  private backOffView(now: number): ContainerView {
    const image = this.plan.image;
    if (this.pullFailedAt !== undefined && now < this.pullFailedAt + ERR_IMAGE_PULL_MS) {
      return {
        kind: "waiting",
        reason: "ErrImagePull",
        message: `failed to pull image "${image}": the devcluster registry has no image matching "${image}" (see devcluster start --images)`,
      };
    }
    return {
      kind: "waiting",
      reason: "ImagePullBackOff",
      message: `Back-off pulling image "${image}"`,
    };
  }

  /** Starts an instance; answers a waiting view (and when to try again) when it cannot. */
  private start(
    now: number,
    ctx: PodContext,
  ): { view: ContainerView; retryAt: number } | undefined {
    const plan = this.plan;
    if (plan.argv) {
      const sandbox = ctx.sandbox();
      if (!sandbox.available)
        return {
          view: { kind: "waiting", reason: "CreateContainerError", message: sandbox.reason ?? "" },
          retryAt: Number.POSITIVE_INFINITY,
        };
      if (sandboxedProcessCount() >= MAX_SANDBOXED_PROCESSES)
        return {
          view: {
            kind: "waiting",
            reason: "CreateContainerError",
            message: `devcluster runs at most ${MAX_SANDBOXED_PROCESSES} container commands at once; this one starts when another ends (tried again every 5 s)`,
          },
          retryAt: now + 5000,
        };
    }
    if (this.pendingRestart) {
      this.restartCount++;
      this.pendingRestart = false;
      if (this.exitedLog !== "") this.previousLog = this.exitedLog;
    }
    this.instanceStartedAt = now;
    this.exitedLog = "";
    const [command, ...rest] = plan.argv ?? [];
    if (command === undefined) return undefined;
    const path = resolveExecutable(command);
    if (!path) {
      this.exit = {
        exitCode: 128,
        reason: "StartError",
        message: `failed to create containerd task: failed to create shim task: OCI runtime create failed: exec: "${command}": executable file not found in $PATH: unknown`,
        startedAt: 0,
        finishedAt: now,
      };
      return undefined;
    }
    const started = new SandboxedProcess(
      {
        argv: [path, ...rest],
        env: plan.env,
        hostname: ctx.podName,
        memoryBytes: plan.memoryBytes,
      },
      (exitCode) => {
        if (this.process !== started) return;
        this.exitedLog = started.log();
        this.process = undefined;
        this.exit = {
          exitCode,
          reason: exitCode === 0 ? "Completed" : "Error",
          startedAt: this.instanceStartedAt ?? Date.now(),
          finishedAt: Date.now(),
        };
        ctx.onProcessExit();
      },
    );
    this.process = started;
    return undefined;
  }

  /** The running instance's view; `exit` when a hook or a failed probe ends it by now. */
  private runningView(now: number): { next: number; exit?: Terminated } {
    const plan = this.plan;
    const startedAt = this.instanceStartedAt ?? now;
    const base = startedAt + plan.postStartMs;
    let next = Number.POSITIVE_INFINITY;
    const consider = (at: number): void => {
      if (at > now && at < next) next = at;
    };
    const kill = (at: number, exitCode: number, reason: string, message?: string) => ({
      next,
      exit: {
        exitCode,
        reason,
        ...(message ? { message } : {}),
        startedAt,
        finishedAt: Math.min(now, Math.max(at, startedAt)),
      },
    });
    if (plan.simulatedExit) {
      const at = base + plan.simulatedExit.afterMs;
      const code = plan.simulatedExit.exitCode;
      if (now >= at) return kill(at, code, code === 0 ? "Completed" : "Error");
      consider(at);
    }
    let startedFrom = base;
    if (plan.startup) {
      if (plan.startupFails) {
        const at = failureRecordedAt(base, plan.startup, base);
        if (now >= at)
          return kill(at, 137, "Error", "startup probe failed; the container was killed");
        consider(at);
        startedFrom = Number.POSITIVE_INFINITY;
      } else startedFrom = firstPassAt(base, plan.startup);
    }
    consider(base);
    consider(startedFrom);
    if (
      plan.liveness &&
      plan.livenessFailsAfterMs !== undefined &&
      startedFrom < Number.POSITIVE_INFINITY
    ) {
      const at = failureRecordedAt(
        startedFrom,
        plan.liveness,
        startedAt + plan.livenessFailsAfterMs,
      );
      if (now >= at)
        return kill(at, 137, "Error", "liveness probe failed; the container was killed");
      consider(at);
    }
    const readyAt = plan.readiness
      ? firstPassAt(startedFrom, plan.readiness)
      : startedFrom + plan.readyDelayMs;
    let unreadyAt = Number.POSITIVE_INFINITY;
    if (plan.readinessFailsAfterMs !== undefined) {
      unreadyAt = plan.readiness
        ? failureRecordedAt(startedFrom, plan.readiness, startedAt + plan.readinessFailsAfterMs)
        : startedAt + plan.readinessFailsAfterMs;
    }
    consider(readyAt);
    consider(unreadyAt);
    const ready = !plan.init && !plan.neverReady && now >= readyAt && now < unreadyAt;
    this.view = { kind: "running", startedAt, started: now >= startedFrom, ready };
    return { next };
  }

  private stopProcess(): void {
    const running = this.process;
    if (!running) return;
    this.process = undefined;
    this.exitedLog = running.log();
    running.kill();
  }

  /** Kills the process for good (pod deleted or finished). */
  terminate(): void {
    this.stopProcess();
  }
}
