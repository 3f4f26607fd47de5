import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, computeHash } from "./hash.js";

const template = {
  metadata: { labels: { app: "web" } },
  spec: { containers: [{ name: "web", image: "web:1" }] },
};

describe("pod-template hash (spec §7.1)", () => {
  it("is a fixed value for a fixed template (a change here renames every ReplicaSet)", () => {
    expect(computeHash(template)).toBe(computeHash(structuredClone(template)));
    expect(computeHash(template)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    // Reference values from an independent FNV-1a-32 implementation (Python) over the same
    // canonical JSON text, e.g. fnv1a32(b"{}") = 1415952421 -> "5859f96865".
    expect(computeHash({})).toBe("5859f96865");
    expect(computeHash({}, 1)).toBe("648d6bd896");
    expect(computeHash(template)).toBe("794686fc5b");
  });

  it("does not depend on key order or on null members", () => {
    const reordered = {
      spec: { containers: [{ image: "web:1", name: "web" }] },
      metadata: { labels: { app: "web" }, creationTimestamp: null },
    };
    expect(computeHash(reordered)).toBe(computeHash(template));
  });

  it("changes with the template and with the collision count", () => {
    const other = structuredClone(template);
    const first = other.spec.containers[0];
    if (first !== undefined) first.image = "web:2";
    expect(computeHash(other)).not.toBe(computeHash(template));
    expect(computeHash(template, 1)).not.toBe(computeHash(template));
    expect(computeHash(template, 1)).not.toBe(computeHash(template, 2));
    expect(computeHash(template, 0)).not.toBe(computeHash(template));
  });

  it("canonical JSON is deterministic for any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(canonicalJson(structuredClone(value)));
      }),
    );
  });
});
