import { describe, expect, it } from "vitest";
import { KubeApiError } from "./kube-errors.js";
import type { KubeObject } from "./kube-resources.js";
import { type LeaderElectionOptions, LeaderElector, microTime } from "./leader-election.js";
import { waitFor } from "./test-support.js";

/** One Lease with the API server's optimistic concurrency. */
class FakeLeases {
  lease: KubeObject | undefined;
  version = 1;
  /** While true every call fails as if the API server were unreachable. */
  down = false;
  writes = 0;

  private check(): void {
    if (this.down) throw new KubeApiError("connection refused", 0, "", "connection refused");
  }

  async get(): Promise<KubeObject> {
    this.check();
    if (this.lease === undefined) throw new KubeApiError("not found", 404, "NotFound", "nf");
    return structuredClone(this.lease);
  }

  async create(_type: unknown, obj: KubeObject): Promise<KubeObject> {
    this.check();
    if (this.lease !== undefined) {
      throw new KubeApiError("exists", 409, "AlreadyExists", "already exists");
    }
    this.writes++;
    this.lease = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.version) } };
    return structuredClone(this.lease);
  }

  async update(_type: unknown, obj: KubeObject): Promise<KubeObject> {
    this.check();
    if (obj.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) {
      throw new KubeApiError("conflict", 409, "Conflict", "the object has been modified");
    }
    this.writes++;
    this.lease = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.version) } };
    return structuredClone(this.lease);
  }

  spec(): Record<string, unknown> {
    return (this.lease?.spec ?? {}) as Record<string, unknown>;
  }
}

interface Candidate {
  elector: LeaderElector;
  events: string[];
  done: Promise<void>;
}

const TIMING = { leaseDurationMs: 1_000, renewDeadlineMs: 600, retryPeriodMs: 100 };

function candidate(
  store: FakeLeases,
  identity: string,
  overrides: Partial<LeaderElectionOptions> = {},
): Candidate {
  const events: string[] = [];
  const elector = new LeaderElector({
    client: store,
    namespace: "sluice",
    name: "sluice-controller-lock",
    identity,
    ...TIMING,
    onStartedLeading: (leadership) => {
      events.push("started");
      leadership.addEventListener("abort", () => events.push("leadership-aborted"));
    },
    onStoppedLeading: () => events.push("stopped"),
    ...overrides,
  });
  return { elector, events, done: elector.run() };
}

describe("LeaderElector", () => {
  it("lets exactly one candidate lead and records the Lease fields", async () => {
    const store = new FakeLeases();
    const a = candidate(store, "replica-a");
    await waitFor(() => a.elector.isLeader(), { describe: () => a.events.join(",") });
    const b = candidate(store, "replica-b");
    await waitFor(() => b.elector.leader === "replica-a", { describe: () => b.elector.leader });
    expect(b.elector.isLeader()).toBe(false);
    expect(store.spec()).toMatchObject({
      holderIdentity: "replica-a",
      leaseDurationSeconds: 1,
      leaseTransitions: 0,
    });
    const acquired = store.spec().acquireTime;
    expect(String(acquired)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // Renewals move renewTime but keep acquireTime.
    const firstRenew = store.spec().renewTime;
    await waitFor(() => store.spec().renewTime !== firstRenew, {
      describe: () => String(store.spec().renewTime),
    });
    expect(store.spec().acquireTime).toBe(acquired);
    expect(b.elector.isLeader()).toBe(false);
    await Promise.all([a.elector.stop(), b.elector.stop()]);
  });

  it("a standby takes over within the lease time after the leader stops renewing", async () => {
    const store = new FakeLeases();
    const a = candidate(store, "replica-a");
    await waitFor(() => a.elector.isLeader());
    const b = candidate(store, "replica-b");
    await waitFor(() => b.elector.leader === "replica-a");
    // A crash: no more renewals and no release.
    const crashedAt = Date.now();
    await a.elector.stop({ release: false });
    await waitFor(() => b.elector.isLeader(), {
      timeoutMs: 5_000,
      describe: () => JSON.stringify(store.spec()),
    });
    const takeoverMs = Date.now() - crashedAt;
    // Not before the lease could have expired, and within lease + one retry (plus slack).
    expect(takeoverMs).toBeGreaterThanOrEqual(TIMING.leaseDurationMs - TIMING.retryPeriodMs * 2);
    // Slack for a loaded test machine; the lower bound is the safety property.
    expect(takeoverMs).toBeLessThan(TIMING.leaseDurationMs + TIMING.retryPeriodMs * 3 + 1_000);
    expect(store.spec()).toMatchObject({ holderIdentity: "replica-b", leaseTransitions: 1 });
    expect(a.events).toEqual(["started", "leadership-aborted", "stopped"]);
    await b.elector.stop();
  });

  it("a clean release hands over at the standby's next retry, not after the lease time", async () => {
    const store = new FakeLeases();
    const a = candidate(store, "replica-a");
    await waitFor(() => a.elector.isLeader());
    const b = candidate(store, "replica-b");
    await waitFor(() => b.elector.leader === "replica-a");
    const releasedAt = Date.now();
    await a.elector.stop();
    expect(store.spec().holderIdentity).toBe("");
    await waitFor(() => b.elector.isLeader(), { describe: () => JSON.stringify(store.spec()) });
    expect(Date.now() - releasedAt).toBeLessThan(TIMING.leaseDurationMs / 2);
    await b.elector.stop();
  });

  it("a leader that cannot reach the API server steps down within the renew deadline", async () => {
    const store = new FakeLeases();
    const a = candidate(store, "replica-a");
    await waitFor(() => a.elector.isLeader());
    const cutAt = Date.now();
    store.down = true;
    await a.done;
    const steppedDownMs = Date.now() - cutAt;
    expect(a.events).toEqual(["started", "leadership-aborted", "stopped"]);
    expect(a.elector.isLeader()).toBe(false);
    expect(steppedDownMs).toBeLessThan(TIMING.leaseDurationMs);
  });

  it("a leader that sees another holder steps down at once", async () => {
    const store = new FakeLeases();
    const a = candidate(store, "replica-a");
    await waitFor(() => a.elector.isLeader());
    // Someone else (e.g. after a long pause of this process) wrote the Lease.
    const lease = await store.get();
    await store.update(undefined, {
      ...lease,
      spec: {
        ...(lease.spec as object),
        holderIdentity: "replica-z",
        renewTime: microTime(Date.now()),
      },
    });
    await a.done;
    expect(a.events.at(-1)).toBe("stopped");
    expect(a.elector.leader).toBe("replica-z");
  });

  it("refuses timings that cannot work", () => {
    const store = new FakeLeases();
    const base = {
      client: store,
      namespace: "n",
      name: "l",
      identity: "i",
      onStartedLeading: () => {},
      onStoppedLeading: () => {},
    };
    expect(
      () => new LeaderElector({ ...base, leaseDurationMs: 5_000, renewDeadlineMs: 5_000 }),
    ).toThrow(/renew deadline/);
    expect(() => new LeaderElector({ ...base, retryPeriodMs: 10_000 })).toThrow(/retry period/);
  });

  it("formats MicroTime with six fractional digits", () => {
    expect(microTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe("2026-01-02T03:04:05.678000Z");
  });
});
