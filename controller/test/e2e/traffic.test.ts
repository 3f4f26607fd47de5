// The SMI + NGINX mix from examples/smi-nginx: the controller runs the bundled router plugins
// as child processes, and at every step both the TrafficSplit and the canary Ingress carry the
// same weight while replica counts and Service selectors follow the spec.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, repoRoot, startHarness, waitFor, waitForRollout } from "./harness.js";

let h: Harness;
const services = ["mixed-stable", "mixed-canary"];

beforeAll(async () => {
  h = await startHarness();
  h.startController();
});

afterAll(async () => {
  await h?.close();
});

interface Weights {
  ingress: number | undefined;
  splitCanary: number | undefined;
  splitStable: number | undefined;
}

function rec(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

async function weights(): Promise<Weights> {
  const out: Weights = { ingress: undefined, splitCanary: undefined, splitStable: undefined };
  try {
    const ingress = JSON.parse(
      await h.kubectl("get", "ingress", "mixed-mixed-ingress-canary", "-o", "json"),
    );
    const value = rec(rec(ingress.metadata).annotations)[
      "nginx.ingress.kubernetes.io/canary-weight"
    ];
    out.ingress = typeof value === "string" ? Number(value) : undefined;
  } catch {
    // not created yet
  }
  try {
    const split = JSON.parse(
      await h.kubectl("get", "trafficsplits.split.smi-spec.io", "mixed", "-o", "json"),
    );
    for (const backend of (rec(split.spec).backends as unknown[] | undefined) ?? []) {
      const b = rec(backend);
      const weight = Number(b.weight);
      if (b.service === "mixed-canary") out.splitCanary = weight;
      if (b.service === "mixed-stable") out.splitStable = weight;
    }
  } catch {
    // not created yet
  }
  return out;
}

function waitForWeights(what: string, ok: (w: Weights) => boolean): Promise<Weights> {
  return waitFor(
    what,
    async () => {
      const w = await weights();
      return ok(w) ? w : undefined;
    },
    async () => JSON.stringify(await weights()),
    60_000,
  );
}

describe("SMI + NGINX on one Rollout", () => {
  it("shifts both routers together through every step, and completion leaves all traffic on the new stable", async () => {
    await h.kubectl("apply", "-f", `${repoRoot}/examples/smi-nginx/`);
    const v1 = await waitForRollout(
      h,
      "mixed",
      "Healthy at revision 1",
      (v) => v.phase === "Healthy",
      services,
      60_000,
    );
    const stable = v1.stableRS ?? "";

    await h.action("mixed", {
      kind: "setImage",
      container: "app",
      image: "argoproj/rollouts-demo:yellow",
    });
    const paused = await waitForRollout(
      h,
      "mixed",
      "paused at step 1 with 20% of traffic",
      (v) => v.phase === "Paused" && v.stepIndex === 1,
      services,
      60_000,
    );
    const canary = paused.currentPodHash ?? "";
    // Traffic routing: the canary gets ceil(5 * 20%) = 1 pod and stable keeps all 5.
    expect(paused.replicas[canary]).toBe(1);
    expect(paused.replicas[stable]).toBe(5);
    expect(paused.selectors).toEqual({ "mixed-stable": stable, "mixed-canary": canary });
    await waitForWeights(
      "20% in both routers",
      (w) => w.ingress === 20 && w.splitCanary === 20 && w.splitStable === 80,
    );

    await h.action("mixed", { kind: "promote" });
    await waitForWeights(
      "50% in both routers",
      (w) => w.ingress === 50 && w.splitCanary === 50 && w.splitStable === 50,
    );
    const done = await waitForRollout(
      h,
      "mixed",
      "Healthy on revision 2 with the stable Service on it",
      // The stable Service follows status.stableRS in the pass after promotion.
      (v) =>
        v.phase === "Healthy" && v.stableRS === canary && v.selectors["mixed-stable"] === canary,
      services,
      60_000,
    );
    expect(done.selectors).toEqual({ "mixed-stable": canary, "mixed-canary": canary });
    await waitForWeights(
      "all traffic on the new stable",
      (w) => w.ingress === 0 && w.splitCanary === 0 && w.splitStable === 100,
    );
    // /metrics tells what traffic routing added to the passes that called the routers.
    const port = /"port":(\d+)[^\n]*"sluice-controller started"/.exec(h.controllerLog())?.[1];
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const passes = Number(/^sluice_traffic_routing_pass_seconds_count (\d+)/m.exec(metrics)?.[1]);
    const seconds = Number(/^sluice_traffic_routing_pass_seconds_sum (\S+)/m.exec(metrics)?.[1]);
    expect(passes).toBeGreaterThan(4);
    expect(seconds).toBeGreaterThan(0);
    // After scaleDownDelaySeconds the old stable is scaled down.
    await waitForRollout(
      h,
      "mixed",
      "old ReplicaSet scaled down",
      (v) => v.replicas[stable] === 0,
      services,
      60_000,
    );
  });

  it("abort sends all traffic back to stable in both routers", async () => {
    const before = await waitForRollout(
      h,
      "mixed",
      "Healthy",
      (v) => v.phase === "Healthy",
      services,
    );
    await h.action("mixed", {
      kind: "setImage",
      container: "app",
      image: "argoproj/rollouts-demo:red",
    });
    await waitForRollout(
      h,
      "mixed",
      "paused at step 1",
      (v) => v.phase === "Paused" && v.stepIndex === 1,
      services,
      60_000,
    );
    await waitForWeights("20% in both routers", (w) => w.ingress === 20 && w.splitCanary === 20);

    await h.action("mixed", { kind: "abort" });
    await waitForWeights(
      "0% in both routers",
      (w) => w.ingress === 0 && w.splitCanary === 0 && w.splitStable === 100,
    );
    const aborted = await waitForRollout(
      h,
      "mixed",
      "Degraded after abort",
      (v) => v.aborted && v.phase === "Degraded",
      services,
    );
    expect(aborted.stableRS).toBe(before.stableRS);
    expect(aborted.selectors["mixed-stable"]).toBe(before.stableRS);
  });
});
