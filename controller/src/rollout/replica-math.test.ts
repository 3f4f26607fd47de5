import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  approximateWeightedCounts,
  calculateCanaryTargets,
  resolveFenceposts,
  resolveIntOrPercent,
  scaleDownOtherReplicaSets,
} from "./replica-math.js";

const split = (R: number, w: number, surge: number) => {
  const { canary, stable } = approximateWeightedCounts(R, w, 100, surge);
  return `${canary}/${stable}`;
};

describe("spec §4.2 approx(R, w, W, surge): the spec's samples", () => {
  it.each([
    [10, 1, 1, "1/10"],
    [10, 10, 1, "1/9"],
    [10, 20, 1, "2/8"],
    [10, 25, 1, "3/8"],
    [10, 33, 1, "3/7"],
    [10, 50, 1, "5/5"],
    [10, 75, 1, "8/3"],
    [10, 90, 1, "9/1"],
    [10, 99, 1, "10/1"],
    [10, 25, 0, "3/7"],
    [10, 75, 0, "8/2"],
    [10, 99, 0, "9/1"],
    [4, 20, 1, "1/4"],
    [4, 25, 1, "1/3"],
    [4, 33, 1, "2/3"],
    [4, 75, 1, "3/1"],
  ])("R=%i w=%i surge=%i → %s", (R, w, surge, expected) => {
    expect(split(R, w, surge)).toBe(expected);
  });

  it("R=3 surge 0: 10–49 → 1/2, 50–99 → 2/1", () => {
    for (let w = 10; w <= 49; w++) expect(split(3, w, 0), `w=${w}`).toBe("1/2");
    for (let w = 50; w <= 99; w++) expect(split(3, w, 0), `w=${w}`).toBe("2/1");
  });

  it("R=1 surge 0: below 50 → 0/1, else 1/0; R=1 surge 1: 1–99 → 1/1", () => {
    for (let w = 1; w < 50; w++) expect(split(1, w, 0), `w=${w}`).toBe("0/1");
    for (let w = 50; w <= 100; w++) expect(split(1, w, 0), `w=${w}`).toBe("1/0");
    for (let w = 1; w <= 99; w++) expect(split(1, w, 1), `w=${w}`).toBe("1/1");
  });

  it("R=0 → 0/0; w=0 → 0/R; w=W → R/0", () => {
    expect(split(0, 50, 1)).toBe("0/0");
    expect(split(7, 0, 2)).toBe("0/7");
    expect(split(7, 100, 2)).toBe("7/0");
  });

  it("never uses more than R+1 pods and never more than R without surge", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 5 }),
        (R, w, surge) => {
          const { canary, stable } = approximateWeightedCounts(R, w, 100, surge);
          expect(canary).toBeGreaterThanOrEqual(0);
          expect(stable).toBeGreaterThanOrEqual(0);
          expect(canary + stable).toBeLessThanOrEqual(surge > 0 ? R + 1 : R);
          expect(canary + stable).toBeGreaterThanOrEqual(R);
        },
      ),
    );
  });
});

describe("spec §1.2 maxSurge / maxUnavailable", () => {
  it.each([
    [10, undefined, undefined, 3, 2],
    [10, 1, 0, 1, 0],
    [10, "50%", "50", 5, 5],
    [3, undefined, undefined, 1, 0],
    [1, 0, 0, 0, 1],
    [0, undefined, undefined, 0, 0],
    [4, 0, 10, 0, 4],
  ] as const)(
    "R=%i surge=%s unavailable=%s → %i/%i",
    (R, surge, unavailable, wantSurge, wantUnavailable) => {
      expect(resolveFenceposts(R, surge, unavailable)).toEqual({
        maxSurge: wantSurge,
        maxUnavailable: wantUnavailable,
      });
    },
  );

  it("strings are percentages with or without %, rounded up for surge and down for unavailable", () => {
    expect(resolveIntOrPercent("25", 10, true)).toBe(3);
    expect(resolveIntOrPercent("25%", 10, false)).toBe(2);
    expect(resolveIntOrPercent("29%", 100, false)).toBe(29);
  });
});

describe("spec §4.3 replica algorithm", () => {
  const fence = { maxSurge: 3, maxUnavailable: 2 };
  it("E1 pass 1: stable shrinks first within maxUnavailable", () => {
    expect(
      calculateCanaryTargets({
        replicas: 10,
        weight: 20,
        maxWeight: 100,
        fenceposts: fence,
        newRS: { spec: 0, available: 0 },
        stableRS: { spec: 10, available: 10 },
        otherSpecTotal: 0,
      }),
    ).toEqual({ newReplicas: 2, stableReplicas: 8 });
  });

  it("with other RSs holding pods, nothing shrinks", () => {
    expect(
      calculateCanaryTargets({
        replicas: 10,
        weight: 20,
        maxWeight: 100,
        fenceposts: fence,
        newRS: { spec: 1, available: 1 },
        stableRS: { spec: 8, available: 8 },
        otherSpecTotal: 4,
      }),
    ).toEqual({ newReplicas: 1, stableReplicas: 8 });
  });

  it("§4.11: other RSs shrink newest first within the availability budget", () => {
    const sizes = scaleDownOtherReplicaSets(
      [
        { name: "old", revision: 1, spec: 3, available: 3 },
        { name: "newer", revision: 2, spec: 4, available: 4 },
      ],
      15,
      10,
      2,
    );
    expect(Object.fromEntries(sizes)).toEqual({ newer: 0, old: 0 });
    const tight = scaleDownOtherReplicaSets(
      [{ name: "a", revision: 1, spec: 4, available: 4 }],
      10,
      10,
      2,
    );
    expect(Object.fromEntries(tight)).toEqual({ a: 2 });
  });

  it("cuts other RSs to what is available before anything else", () => {
    const sizes = scaleDownOtherReplicaSets(
      [{ name: "a", revision: 1, spec: 4, available: 1 }],
      20,
      10,
      2,
    );
    expect(Object.fromEntries(sizes)).toEqual({ a: 1 });
  });
});
