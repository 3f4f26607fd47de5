import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import type { KubeClient } from "./kube.js";
import { isAlreadyExists, isConflict, isNotFound } from "./kube-errors.js";
import { type KubeObject, RESOURCES } from "./kube-resources.js";
import { errorMessage } from "./logger.js";

/** A Lease name of our own, so the original and this controller never share one lock. */
export const DEFAULT_LEASE_NAME = "sluice-controller-lock";

/**
 * A replica identity as client-go builds it: the host (pod) name plus a random suffix, so a
 * restarted pod with the same name is still a new candidate.
 */
export function defaultIdentity(): string {
  return `${hostname()}_${randomUUID()}`;
}

export interface LeaderElectionOptions {
  client: Pick<KubeClient, "get" | "create" | "update">;
  /** Namespace of the Lease (usually the controller's own). */
  namespace: string;
  /** Lease name. */
  name: string;
  /** Unique per replica: pod name plus a random suffix is typical. */
  identity: string;
  /** How long a lease is honoured without renewal. Default 15 s (client-go's default). */
  leaseDurationMs?: number;
  /** The leader gives up if it cannot renew for this long. Default 10 s. */
  renewDeadlineMs?: number;
  /** Pause between attempts to acquire or renew. Default 2 s. */
  retryPeriodMs?: number;
  /**
   * This replica became leader. `leadership` aborts when leadership ends; start the
   * informers and workers here and stop them when it aborts.
   */
  onStartedLeading: (leadership: AbortSignal) => void;
  /** Leadership ended (lost, or given up by `stop`). Called only after onStartedLeading. */
  onStoppedLeading: () => void;
  /** Another identity (or this one) was seen holding the Lease. */
  onNewLeader?: (identity: string) => void;
  logger?: Logger;
}

/** The Lease fields the election reads and writes (coordination.k8s.io/v1 LeaseSpec). */
interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions: number;
}

/**
 * Kubernetes MicroTime: RFC 3339 with exactly six fractional digits, which the API server's
 * parser requires (JavaScript's toISOString gives three).
 */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

function readRecord(lease: KubeObject): LeaseRecord {
  const spec = (typeof lease.spec === "object" && lease.spec !== null ? lease.spec : {}) as Record<
    string,
    unknown
  >;
  const record: LeaseRecord = {
    holderIdentity: typeof spec.holderIdentity === "string" ? spec.holderIdentity : "",
    leaseDurationSeconds:
      typeof spec.leaseDurationSeconds === "number" ? spec.leaseDurationSeconds : 0,
    leaseTransitions: typeof spec.leaseTransitions === "number" ? spec.leaseTransitions : 0,
  };
  if (typeof spec.acquireTime === "string") record.acquireTime = spec.acquireTime;
  if (typeof spec.renewTime === "string") record.renewTime = spec.renewTime;
  return record;
}

function sameRecord(a: LeaseRecord | undefined, b: LeaseRecord): boolean {
  return (
    a !== undefined &&
    a.holderIdentity === b.holderIdentity &&
    a.renewTime === b.renewTime &&
    a.acquireTime === b.acquireTime &&
    a.leaseTransitions === b.leaseTransitions &&
    a.leaseDurationSeconds === b.leaseDurationSeconds
  );
}

/**
 * Leader election over a coordination.k8s.io/v1 Lease, following client-go's algorithm:
 * a candidate takes the Lease when it is free or when its record has not changed for the
 * record's leaseDurationSeconds *as measured by this replica's own clock* (so clock skew
 * between replicas does not matter); every write is conditional on resourceVersion.
 */
export class LeaderElector {
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly log: Logger | undefined;
  private observedRecord: LeaseRecord | undefined;
  /** Local time when observedRecord last changed. */
  private observedTime = 0;
  private observedLeader = "";
  private leading = false;
  private stopped = false;
  private releaseOnStop = true;
  private readonly wake = new AbortController();
  private running: Promise<void> | undefined;

  constructor(private readonly options: LeaderElectionOptions) {
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (this.renewDeadlineMs >= this.leaseDurationMs) {
      throw new Error(
        `leader election: renew deadline (${this.renewDeadlineMs} ms) must be shorter than the lease duration (${this.leaseDurationMs} ms)`,
      );
    }
    if (this.retryPeriodMs >= this.renewDeadlineMs) {
      throw new Error(
        `leader election: retry period (${this.retryPeriodMs} ms) must be shorter than the renew deadline (${this.renewDeadlineMs} ms)`,
      );
    }
    this.log = options.logger?.child({
      component: "leader-election",
      lease: `${options.namespace}/${options.name}`,
      identity: options.identity,
    });
  }

  /** True while this replica holds the Lease. */
  isLeader(): boolean {
    return this.leading;
  }

  /** The holder this replica last saw ("" when none or not yet seen). */
  get leader(): string {
    return this.observedLeader;
  }

  /**
   * Campaign, lead until leadership is lost or `stop` is called, then resolve. Like the
   * original, a replica that loses leadership does not campaign again by itself: exit the
   * process (or call run again) so that no stale in-memory state survives.
   */
  run(): Promise<void> {
    this.running ??= this.campaign();
    return this.running;
  }

  /**
   * Stop campaigning or leading. With `release` (default), a leader clears the Lease so a
   * standby takes over at its next retry instead of waiting out the lease duration.
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.releaseOnStop = options.release ?? true;
    this.stopped = true;
    this.wake.abort();
    await this.running;
  }

  private async campaign(): Promise<void> {
    this.log?.info("waiting to acquire the leader lease");
    while (!this.stopped && !(await this.tryAcquireOrRenew())) {
      await this.sleep(this.retryPeriodMs * (1 + Math.random() * 0.2));
    }
    if (this.stopped) return;
    this.leading = true;
    this.log?.info("acquired the leader lease");
    const leadership = new AbortController();
    this.safely(() => this.options.onStartedLeading(leadership.signal));

    let lastRenew = Date.now();
    while (!this.stopped) {
      await this.sleep(this.retryPeriodMs);
      if (this.stopped) break;
      // An attempt may not outlive the renew deadline: a hung request must not keep a
      // replica leading after its Lease may have passed to another.
      const remaining = Math.max(1, lastRenew + this.renewDeadlineMs - Date.now());
      if (await withTimeout(this.tryAcquireOrRenew(), remaining)) {
        lastRenew = Date.now();
      } else if (this.observedLeader !== "" && this.observedLeader !== this.options.identity) {
        this.log?.error({ leader: this.observedLeader }, "another replica holds the leader lease");
        break;
      } else if (Date.now() - lastRenew >= this.renewDeadlineMs) {
        this.log?.error(
          `could not renew the leader lease for ${this.renewDeadlineMs} ms; giving up leadership`,
        );
        break;
      }
    }
    this.leading = false;
    leadership.abort();
    this.safely(() => this.options.onStoppedLeading());
    if (this.stopped && this.releaseOnStop) await this.release();
  }

  /** One attempt, as client-go's tryAcquireOrRenew; true when we hold the Lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity } = this.options;
    const now = Date.now();
    const leaseDurationSeconds = Math.ceil(this.leaseDurationMs / 1000);
    let current: KubeObject;
    try {
      current = await client.get(RESOURCES.leases, namespace, name);
    } catch (error) {
      if (!isNotFound(error)) {
        this.log?.warn({ err: errorMessage(error) }, "could not read the leader lease");
        return false;
      }
      const record: LeaseRecord = {
        holderIdentity: identity,
        leaseDurationSeconds,
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaseTransitions: 0,
      };
      try {
        await client.create(RESOURCES.leases, {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { namespace, name },
          spec: record,
        });
      } catch (createError) {
        if (!isAlreadyExists(createError)) {
          this.log?.warn({ err: errorMessage(createError) }, "could not create the leader lease");
        }
        return false;
      }
      this.observe(record, Date.now());
      return true;
    }

    const record = readRecord(current);
    if (!sameRecord(this.observedRecord, record)) this.observe(record, now);
    const heldByOther = record.holderIdentity !== "" && record.holderIdentity !== identity;
    if (heldByOther && this.observedTime + record.leaseDurationSeconds * 1000 > now) {
      return false;
    }
    const next: LeaseRecord = {
      holderIdentity: identity,
      leaseDurationSeconds,
      renewTime: microTime(now),
      acquireTime:
        record.holderIdentity === identity && record.acquireTime !== undefined
          ? record.acquireTime
          : microTime(now),
      leaseTransitions:
        record.holderIdentity === identity ? record.leaseTransitions : record.leaseTransitions + 1,
    };
    try {
      await client.update(RESOURCES.leases, {
        ...current,
        spec: { ...(current.spec as Record<string, unknown>), ...next },
      });
    } catch (error) {
      if (!isConflict(error)) {
        this.log?.warn({ err: errorMessage(error) }, "could not update the leader lease");
      }
      return false;
    }
    this.observe(next, Date.now());
    return true;
  }

  /** Clear the holder so a standby can take over at once (client-go's ReleaseOnCancel). */
  private async release(): Promise<void> {
    const { client, namespace, name, identity } = this.options;
    try {
      const current = await client.get(RESOURCES.leases, namespace, name);
      const record = readRecord(current);
      if (record.holderIdentity !== identity) return;
      const now = microTime(Date.now());
      await client.update(RESOURCES.leases, {
        ...current,
        spec: {
          ...(current.spec as Record<string, unknown>),
          holderIdentity: "",
          leaseDurationSeconds: 1,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: record.leaseTransitions,
        },
      });
      this.log?.info("released the leader lease");
    } catch (error) {
      this.log?.warn(
        { err: errorMessage(error) },
        "could not release the leader lease; a standby takes over when it expires",
      );
    }
  }

  private observe(record: LeaseRecord, at: number): void {
    this.observedRecord = record;
    this.observedTime = at;
    if (record.holderIdentity !== this.observedLeader) {
      this.observedLeader = record.holderIdentity;
      if (record.holderIdentity !== "") {
        this.log?.info({ leader: record.holderIdentity }, "new leader observed");
        const leader = record.holderIdentity;
        this.safely(() => this.options.onNewLeader?.(leader));
      }
    }
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.log?.error({ err: errorMessage(error) }, "leader election callback threw");
    }
  }

  private sleep(ms: number): Promise<void> {
    const signal = this.wake.signal;
    return new Promise((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
    });
  }
}

/** Resolves with the attempt's result, or false if it takes longer than `ms`. */
function withTimeout(attempt: Promise<boolean>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    attempt.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(false);
      },
    );
  });
}
