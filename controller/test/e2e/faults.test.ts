// Faults a controller meets in production: it is killed mid-rollout (SIGKILL, no goodbye) and
// a standby replica takes over the Lease. Nothing lives only in memory, so each run must end
// exactly where an undisturbed run ends.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RESOURCES } from "../../src/runtime/kube-resources.js";
import {
  canaryWithServices,
  type Harness,
  type RolloutView,
  startHarness,
  waitFor,
  waitForRollout,
} from "./harness.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

/** A small deterministic generator (mulberry32) so a failing seed can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sixStepCanary(name: string, image: string): string {
  return canaryWithServices(
    name,
    image,
    `      steps:
        - setWeight: 25
        - pause: {duration: 1}
        - setWeight: 50
        - pause: {duration: 1}
        - setWeight: 75
        - pause: {duration: 1}
`,
    { replicas: 4 },
  );
}

/** What a finished run leaves behind, independent of the rollout's name. */
function finalShape(view: RolloutView, name: string): Record<string, unknown> {
  return {
    phase: view.phase,
    stepIndex: view.stepIndex,
    stableIsCurrent: view.stableRS === view.currentPodHash,
    replicaSets: Object.values(view.replicas).sort(),
    canarySelector: view.selectors[`${name}-canary`] === view.currentPodHash,
    stableSelector: view.selectors[`${name}-stable`] === view.currentPodHash,
  };
}

async function runToCompletion(
  name: string,
  seed: number | undefined,
): Promise<Record<string, unknown>> {
  const svc = [`${name}-canary`, `${name}-stable`];
  await h.apply(sixStepCanary(name, "registry.local/crash:v1"));
  const v1 = await waitForRollout(
    h,
    name,
    "Healthy at revision 1",
    (v) => v.phase === "Healthy",
    svc,
  );
  await h.setImage(name, "registry.local/crash:v2");
  if (seed !== undefined) {
    // One to three kills, each after a random 150..1650 ms of work.
    const random = rng(seed);
    const kills = 1 + Math.floor(random() * 3);
    for (let i = 0; i < kills; i++) {
      await new Promise((resolve) => setTimeout(resolve, 150 + Math.floor(random() * 1500)));
      await h.stopController("SIGKILL");
      h.startController();
    }
  }
  const done = await waitForRollout(
    h,
    name,
    "Healthy on revision 2: old ReplicaSet scaled down, both Services on the new pods",
    (v) =>
      v.phase === "Healthy" &&
      v.stableRS !== v1.stableRS &&
      v.stableRS === v.currentPodHash &&
      Object.values(v.replicas).filter((n) => n > 0).length === 1 &&
      v.selectors[`${name}-stable`] === v.currentPodHash &&
      v.selectors[`${name}-canary`] === v.currentPodHash,
    svc,
    60_000,
  );
  return finalShape(done, name);
}

describe("crash safety", () => {
  it("a 6-step canary ends in the same state when the controller is SIGKILLed at random moments (20 seeded runs)", async () => {
    h.startController();
    const reference = await runToCompletion("crash-ref", undefined);
    expect(reference).toMatchObject({
      phase: "Healthy",
      stableIsCurrent: true,
      canarySelector: true,
      stableSelector: true,
    });
    for (let seed = 1; seed <= 20; seed++) {
      const name = `crash-${seed}`;
      const shape = await runToCompletion(name, seed);
      const rs = await h.kubectl(
        "get",
        "rs",
        "-l",
        `app=${name}`,
        "-o",
        "custom-columns=NAME:.metadata.name,REV:.metadata.annotations.rollout\\.argoproj\\.io/revision,DESIRED:.spec.replicas,OWNER:.metadata.ownerReferences[0].name",
      );
      expect({ seed, ...shape }, rs).toEqual({ seed, ...reference });
    }
    await h.stopController();
  }, 900_000);
});

describe("leader election", () => {
  it("a standby replica takes over within the lease time when the leader dies", async () => {
    const args = ["--leader-elect", "--leader-election-lease-duration", "3"];
    const first = h.startController(args);
    const lease = await waitFor(
      "a leader in the Lease",
      async () => {
        const obj = await h.client.get(RESOURCES.leases, "default", "sluice-controller-lock");
        const holder = (obj.spec as { holderIdentity?: string } | undefined)?.holderIdentity;
        return holder !== undefined && holder !== "" ? holder : undefined;
      },
      async () => "no lease yet",
    );
    expect(lease).toContain(`_${first.pid}_`);
    // The harness tracks one child at a time: start the standby by hand.
    const { spawn } = await import("node:child_process");
    const standby = spawn(
      process.execPath,
      [
        `${process.cwd()}/controller/dist/main.js`,
        "--kubeconfig",
        h.kubeconfig,
        "--metrics-port",
        "0",
        ...args,
      ],
      { stdio: ["ignore", "pipe", "ignore"] },
    );
    let standbyLog = "";
    standby.stdout?.on("data", (chunk: Buffer) => {
      standbyLog += chunk.toString();
    });
    try {
      // Kill the leader only once the standby is up and campaigning.
      await waitFor(
        "the standby to start",
        async () => (standbyLog.includes("sluice-controller started") ? true : undefined),
        async () => standbyLog.slice(-500),
      );
      await h.stopController("SIGKILL");
      const killedAt = Date.now();
      const next = await waitFor(
        "the standby to take the Lease",
        async () => {
          const obj = await h.client.get(RESOURCES.leases, "default", "sluice-controller-lock");
          const holder = (obj.spec as { holderIdentity?: string } | undefined)?.holderIdentity;
          return holder?.includes(`_${standby.pid}_`) ? holder : undefined;
        },
        async () => "still held by the dead leader",
        20_000,
      );
      expect(next).toContain(`_${standby.pid}_`);
      // Lease 3 s plus one retry period and scheduling slack.
      expect(Date.now() - killedAt).toBeLessThan(10_000);

      // The new leader does the work: a new rollout goes Healthy.
      const name = "after-handover";
      await h.apply(sixStepCanary(name, "registry.local/crash:v1"));
      await waitForRollout(h, name, "Healthy under the new leader", (v) => v.phase === "Healthy");
    } finally {
      standby.kill("SIGKILL");
    }
  }, 120_000);
});
