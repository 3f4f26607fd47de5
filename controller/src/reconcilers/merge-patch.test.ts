import { describe, expect, it } from "vitest";
import { createMergePatch } from "./merge-patch.js";

describe("createMergePatch", () => {
  it("is undefined when nothing changed, whatever the key order", () => {
    expect(
      createMergePatch({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }),
    ).toBeUndefined();
  });

  it("sets changed scalars, removes vanished keys with null and replaces arrays whole", () => {
    const before = {
      phase: "Progressing",
      message: "waiting",
      conditions: [{ type: "A" }],
      x: { y: 1, z: 2 },
    };
    const after = { phase: "Healthy", conditions: [{ type: "A" }, { type: "B" }], x: { y: 1 } };
    expect(createMergePatch(before, after)).toEqual({
      phase: "Healthy",
      message: null,
      conditions: [{ type: "A" }, { type: "B" }],
      x: { z: null },
    });
  });

  it("treats an absent document as empty", () => {
    expect(createMergePatch(undefined, { replicas: 3 })).toEqual({ replicas: 3 });
  });

  it("removes a status list the plan no longer has (a pause that ended)", () => {
    const before = { phase: "Paused", pauseConditions: [{ reason: "CanaryPauseStep" }] };
    expect(createMergePatch(before, { phase: "Healthy" })).toEqual({
      phase: "Healthy",
      pauseConditions: null,
    });
  });
});
