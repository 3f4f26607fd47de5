import { describe, expect, it } from "vitest";
import {
  newReplicaSetTarget,
  resolveIntOrPercent,
  rollingLimits,
  scaleDownOld,
} from "./rolling.js";

describe("rolling update arithmetic", () => {
  it("rounds surge up and unavailability down, never both zero", () => {
    expect(rollingLimits(10, "25%", "25%")).toEqual({ maxSurge: 3, maxUnavailable: 2 });
    expect(rollingLimits(1, 0, 0)).toEqual({ maxSurge: 0, maxUnavailable: 1 });
    expect(resolveIntOrPercent("50%", 3, true)).toBe(2);
  });

  it("adds new replicas within the surge and removes old ones within availability", () => {
    const limits = rollingLimits(4, 1, 0);
    const oldRs = { name: "old", replicas: 4, available: 4 };
    const newRs = { name: "new", replicas: 0, available: 0 };
    expect(newReplicaSetTarget(4, limits, newRs, [oldRs, newRs])).toBe(1);
    // The new pod is not available yet: nothing old may go.
    expect(scaleDownOld(4, limits, [oldRs], [oldRs, { ...newRs, replicas: 1 }]).get("old")).toBe(4);
    // Once it is available, one old pod may go.
    expect(
      scaleDownOld(4, limits, [oldRs], [oldRs, { name: "new", replicas: 1, available: 1 }]).get(
        "old",
      ),
    ).toBe(3);
  });
});
