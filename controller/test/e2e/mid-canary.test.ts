// A new pod template arriving while a canary is paused part-way (spec rollout-behavior.md
// §4.9): the in-between ReplicaSet is drained, the newest one starts the steps again from
// step 0, and stable keeps serving throughout. Then undo from there, which puts the
// in-between revision back (§4.10, §7.2: its ReplicaSet is reused under a new revision).
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
  h.startController();
});

afterAll(async () => {
  await h?.close();
});

function canary(name: string): string {
  return canaryWithServices(
    name,
    "registry.local/app:v1",
    `      steps:
        - setWeight: 20
        - pause: {}
        - setWeight: 60
        - pause: {}
`,
    { replicas: 5 },
  );
}

function svc(name: string): string[] {
  return [`${name}-canary`, `${name}-stable`];
}

/** Rollout Healthy on v1, then v2 paused at the given pause step; returns both hashes. */
async function pausedOnV2(
  name: string,
  pauseStep: 1 | 3,
): Promise<{ stable: string; v2: string; view: RolloutView }> {
  await h.apply(canary(name));
  const v1 = await waitForRollout(
    h,
    name,
    "Healthy on v1",
    (v) => v.phase === "Healthy",
    svc(name),
    60_000,
  );
  const stable = v1.stableRS ?? "";
  await h.action(name, { kind: "setImage", container: "app", image: "registry.local/app:v2" });
  let view = await waitForRollout(
    h,
    name,
    "v2 paused at step 1",
    (v) => v.phase === "Paused" && v.stepIndex === 1 && v.currentPodHash !== stable,
    svc(name),
    60_000,
  );
  if (pauseStep === 3) {
    await h.action(name, { kind: "promote" });
    view = await waitForRollout(
      h,
      name,
      "v2 paused at step 3 (60%)",
      (v) => v.phase === "Paused" && v.stepIndex === 3,
      svc(name),
      60_000,
    );
  }
  return { stable, v2: view.currentPodHash ?? "", view };
}

async function revisionOf(name: string, hash: string): Promise<string | undefined> {
  const rs = await h.client.get(RESOURCES.replicaSets, "default", `${name}-${hash}`);
  return rs.metadata.annotations?.["rollout.argoproj.io/revision"];
}

describe("new template while paused mid-canary", () => {
  it("drains the in-between ReplicaSet and runs the new one through the steps from step 0", async () => {
    const name = "midway";
    const { stable, v2, view: at60 } = await pausedOnV2(name, 3);
    // 60 % of 5: three canary pods, stable at two or more.
    expect(at60.replicas[v2]).toBe(3);

    await h.action(name, { kind: "setImage", container: "app", image: "registry.local/app:v3" });
    const switched = await waitForRollout(
      h,
      name,
      "v3 is the current revision",
      (v) =>
        v.currentPodHash !== v2 && v.currentPodHash !== stable && v.currentPodHash !== undefined,
      svc(name),
      60_000,
    );
    const v3 = switched.currentPodHash ?? "";
    // The steps start again: the first pass on v3 is at step 0 or (once 20 % is reached) 1,
    // never still at v2's step 3.
    expect(switched.stepIndex ?? -1).toBeLessThanOrEqual(1);
    expect(switched.stableRS).toBe(stable);

    const paused = await waitForRollout(
      h,
      name,
      "v3 paused at step 1 (20%) with the in-between v2 drained",
      (v) =>
        v.phase === "Paused" &&
        v.stepIndex === 1 &&
        v.currentPodHash === v3 &&
        v.replicas[v2] === 0 &&
        v.replicas[v3] === 1 &&
        v.selectors[`${name}-canary`] === v3,
      svc(name),
      60_000,
    );
    expect(paused.stableRS).toBe(stable);
    expect(paused.replicas[stable]).toBeGreaterThanOrEqual(4);
    expect(paused.selectors[`${name}-stable`]).toBe(stable);
    expect(await revisionOf(name, v3)).toBe("3");

    // The rest of the steps, then v3 becomes stable and everything else is scaled to zero.
    await h.action(name, { kind: "promote" });
    await waitForRollout(
      h,
      name,
      "v3 paused at step 3 (60%)",
      (v) => v.phase === "Paused" && v.stepIndex === 3 && v.replicas[v3] === 3,
      svc(name),
      60_000,
    );
    await h.action(name, { kind: "promote" });
    const done = await waitForRollout(
      h,
      name,
      "Healthy on v3 with v1 and v2 at zero",
      (v) =>
        v.phase === "Healthy" &&
        v.stableRS === v3 &&
        v.replicas[v3] === 5 &&
        v.replicas[stable] === 0 &&
        v.replicas[v2] === 0 &&
        v.selectors[`${name}-stable`] === v3,
      svc(name),
      60_000,
    );
    expect(done.stepIndex).toBe(4);
  }, 120_000);

  it("undo while the next revision is paused mid-canary brings back the in-between revision through the steps, reusing its ReplicaSet", async () => {
    const name = "midundo";
    const { stable, v2 } = await pausedOnV2(name, 1);
    await h.action(name, { kind: "setImage", container: "app", image: "registry.local/app:v3" });
    const onV3 = await waitForRollout(
      h,
      name,
      "v3 paused at step 1 with v2 drained",
      (v) =>
        v.phase === "Paused" &&
        v.stepIndex === 1 &&
        v.currentPodHash !== v2 &&
        v.currentPodHash !== stable &&
        v.replicas[v2] === 0,
      svc(name),
      60_000,
    );
    const v3 = onV3.currentPodHash ?? "";

    // undo (no revision given) goes to the previous revision, 2: not the stable one, so no
    // fast-track; its ReplicaSet comes back as revision 4 and runs the steps from step 0.
    await h.action(name, { kind: "undo" });
    const back = await waitForRollout(
      h,
      name,
      "v2's template current again, paused at step 1, v3 drained",
      (v) =>
        v.currentPodHash === v2 &&
        v.phase === "Paused" &&
        v.stepIndex === 1 &&
        v.replicas[v2] === 1 &&
        v.replicas[v3] === 0 &&
        v.selectors[`${name}-canary`] === v2,
      svc(name),
      60_000,
    );
    expect(back.stableRS).toBe(stable);
    expect(back.replicas[stable]).toBeGreaterThanOrEqual(4);
    expect(back.selectors[`${name}-stable`]).toBe(stable);
    // No fourth ReplicaSet: v2's is reused, under the next revision number.
    expect(Object.keys(back.replicas).sort()).toEqual([stable, v2, v3].sort());
    await waitFor(
      `${name}: v2's ReplicaSet at revision 4 with 2 in its history`,
      async () => {
        const rs = await h.client.get(RESOURCES.replicaSets, "default", `${name}-${v2}`);
        const a = rs.metadata.annotations ?? {};
        return a["rollout.argoproj.io/revision"] === "4" &&
          a["rollout.argoproj.io/revision-history"] === "2"
          ? true
          : undefined;
      },
      async () =>
        JSON.stringify(
          (await h.client.get(RESOURCES.replicaSets, "default", `${name}-${v2}`)).metadata
            .annotations,
        ),
      60_000,
    );
    const rollout = await h.rollout(name);
    expect(JSON.stringify(rollout.spec)).toContain("registry.local/app:v2");
    expect(rollout.metadata.annotations?.["rollout.argoproj.io/revision"]).toBe("4");

    await h.action(name, { kind: "promote", full: true });
    await waitForRollout(
      h,
      name,
      "Healthy on v2",
      (v) =>
        v.phase === "Healthy" &&
        v.stableRS === v2 &&
        v.replicas[v2] === 5 &&
        v.replicas[stable] === 0 &&
        v.replicas[v3] === 0,
      svc(name),
      60_000,
    );
  }, 120_000);
});
