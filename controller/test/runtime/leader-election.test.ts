import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RESOURCES } from "../../src/runtime/kube-resources.js";
import { LeaderElector } from "../../src/runtime/leader-election.js";
import { waitFor } from "../../src/runtime/test-support.js";
import { startTestCluster, type TestCluster } from "./cluster.js";

/** Short timings so the suite stays fast; the algorithm is the same at 15/10/2 s. */
const TIMING = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 200 };

describe("leader election against devcluster", () => {
  let env: TestCluster;

  beforeAll(async () => {
    env = await startTestCluster();
  });

  afterAll(async () => {
    await env.stop();
  });

  function elector(namespace: string, identity: string, log: string[]): LeaderElector {
    return new LeaderElector({
      client: env.client,
      namespace,
      name: "sluice-controller-lock",
      identity,
      ...TIMING,
      onStartedLeading: () => log.push(`${identity} started`),
      onStoppedLeading: () => log.push(`${identity} stopped`),
    });
  }

  async function leaseSpec(namespace: string): Promise<Record<string, unknown>> {
    const lease = await env.client.get(RESOURCES.leases, namespace, "sluice-controller-lock");
    return lease.spec as Record<string, unknown>;
  }

  it("one leads, and a standby takes over within the lease time after the leader dies", async () => {
    const ns = await env.namespace("election");
    const log: string[] = [];
    const first = elector(ns, "replica-a", log);
    void first.run();
    await waitFor(() => first.isLeader(), { timeoutMs: 5_000, describe: () => log.join(",") });
    const second = elector(ns, "replica-b", log);
    void second.run();
    await waitFor(() => second.leader === "replica-a", { describe: () => second.leader });
    expect(await leaseSpec(ns)).toMatchObject({
      holderIdentity: "replica-a",
      leaseDurationSeconds: 2,
      leaseTransitions: 0,
    });
    // Two renew periods later the standby still waits.
    const renewed = (await leaseSpec(ns)).renewTime;
    await waitFor(async () => (await leaseSpec(ns)).renewTime !== renewed, {
      describe: () => String(renewed),
    });
    expect(second.isLeader()).toBe(false);

    // The leader stops renewing without releasing, as a killed process would.
    const diedAt = Date.now();
    await first.stop({ release: false });
    await waitFor(() => second.isLeader(), {
      timeoutMs: 10_000,
      describe: () => `leader seen by b: ${second.leader}`,
    });
    const takeoverMs = Date.now() - diedAt;
    expect(takeoverMs).toBeLessThan(TIMING.leaseDurationMs + 3 * TIMING.retryPeriodMs + 1_000);
    expect(await leaseSpec(ns)).toMatchObject({ holderIdentity: "replica-b", leaseTransitions: 1 });
    expect(log).toEqual(["replica-a started", "replica-a stopped", "replica-b started"]);
    await second.stop();
  });

  it("a clean shutdown releases the Lease so the standby takes over at once", async () => {
    const ns = await env.namespace("release");
    const log: string[] = [];
    const first = elector(ns, "replica-a", log);
    void first.run();
    await waitFor(() => first.isLeader(), { timeoutMs: 5_000, describe: () => log.join(",") });
    const second = elector(ns, "replica-b", log);
    void second.run();
    await waitFor(() => second.leader === "replica-a", { describe: () => second.leader });
    const releasedAt = Date.now();
    await first.stop();
    expect((await leaseSpec(ns)).holderIdentity).toBe("");
    await waitFor(() => second.isLeader(), { timeoutMs: 5_000, describe: () => second.leader });
    // Well under the lease duration: the standby did not wait for expiry.
    expect(Date.now() - releasedAt).toBeLessThan(TIMING.leaseDurationMs);
    await second.stop();
  });
});
