import { describe, expect, it } from "vitest";
import type { Rollout } from "../api/rollout.js";
import { podsNeeded, replicaSetCreateError, weightToVerify } from "./executor-support.js";
import { canaryRollout } from "./testing/fixtures.js";

describe("executor helpers", () => {
  it("replicaSetCreateError sets Progressing False with the error", () => {
    const { status, event } = replicaSetCreateError(
      canaryRollout(1, {}),
      "web-abc",
      "quota exceeded",
      new Date("2026-01-01T00:00:00Z"),
    );
    expect(status.conditions?.[0]).toMatchObject({
      type: "Progressing",
      status: "False",
      reason: "ReplicaSetCreateError",
      message: 'Failed to create new replica set "web-abc": quota exceeded',
    });
    expect(event.type).toBe("Warning");
  });

  it("podsNeeded only while a restart is due", () => {
    const now = new Date("2026-01-01T00:10:00Z");
    expect(podsNeeded(canaryRollout(1, {}), now)).toBe(false);
    expect(podsNeeded(canaryRollout(1, {}, { restartAt: "2026-01-01T00:05:00Z" }), now)).toBe(true);
    expect(podsNeeded(canaryRollout(1, {}, { restartAt: "2026-01-01T00:15:00Z" }), now)).toBe(
      false,
    );
    const done = canaryRollout(1, {}, { restartAt: "2026-01-01T00:05:00Z" });
    done.status = { restartedAt: "2026-01-01T00:05:00Z" };
    expect(podsNeeded(done, now)).toBe(false);
  });
});

describe("weightToVerify", () => {
  const rollout = (trafficRouting: boolean, weights: boolean): Rollout => ({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web" },
    spec: {
      strategy: { canary: trafficRouting ? { trafficRouting: { smi: {} } } : {} },
    },
    ...(weights
      ? {
          status: {
            canary: {
              weights: { canary: { weight: 30 }, stable: { weight: 70 } },
            },
          },
        }
      : {}),
  });

  it("asks the routers about the weight the previous pass recorded", () => {
    expect(weightToVerify(rollout(true, true))).toEqual({ weight: 30, additionalDestinations: [] });
  });

  it("asks nothing without traffic routing or before any weight was set", () => {
    expect(weightToVerify(rollout(false, true))).toBeUndefined();
    expect(weightToVerify(rollout(true, false))).toBeUndefined();
  });
});
