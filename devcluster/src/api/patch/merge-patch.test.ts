import { describe, expect, it } from "vitest";
import { applyMergePatch, applyMergePatchInPlace } from "./merge-patch.js";

describe("applyMergePatch (RFC 7386)", () => {
  it("merges objects at every depth, deletes on null and replaces arrays and scalars", () => {
    const original = {
      metadata: { name: "a", labels: { x: "1", y: "2" } },
      spec: { replicas: 1, ports: [80, 443] },
      status: { phase: "Running", conditions: [{ type: "Ready" }] },
    };
    const patched = applyMergePatch(original, {
      metadata: { labels: { y: null, z: "3" } },
      spec: { ports: [8080] },
      status: { phase: null, observed: { generation: 2, extra: null } },
    });
    expect(patched).toEqual({
      metadata: { name: "a", labels: { x: "1", z: "3" } },
      spec: { replicas: 1, ports: [8080] },
      status: { conditions: [{ type: "Ready" }], observed: { generation: 2 } },
    });
  });

  it("leaves the original untouched and shares nothing with it", () => {
    const original = { spec: { template: { labels: { a: "1" } } }, list: [{ a: 1 }] };
    const patched = applyMergePatch(original, { spec: { template: { labels: { b: "2" } } } }) as {
      spec: { template: { labels: Record<string, string> } };
      list: Array<{ a: number }>;
    };
    patched.spec.template.labels.c = "3";
    const first = patched.list[0];
    if (first) first.a = 9;
    expect(original).toEqual({ spec: { template: { labels: { a: "1" } } }, list: [{ a: 1 }] });
  });

  it("replaces the whole document with a patch that is not an object", () => {
    expect(applyMergePatch({ a: 1 }, [1, 2])).toEqual([1, 2]);
    expect(applyMergePatch({ a: 1 }, "x")).toBe("x");
    expect(applyMergePatch("x", { a: { b: null, c: 1 } })).toEqual({ a: { c: 1 } });
  });

  it("treats a __proto__ key as data, never as the prototype", () => {
    const patched = applyMergePatch({}, JSON.parse('{"__proto__": {"polluted": true}}')) as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(patched)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(patched, "__proto__")).toBe(true);
  });

  it("merges into a private copy in place, with the same result", () => {
    const target = { a: { b: 1, c: 2 }, d: [1] };
    const patch = { a: { b: null, e: { f: null, g: 3 } }, d: [2] };
    const expected = applyMergePatch(structuredClone(target), patch);
    expect(applyMergePatchInPlace(target, patch)).toBe(target);
    expect(target).toEqual(expected);
    expect(target).toEqual({ a: { c: 2, e: { g: 3 } }, d: [2] });
  });
});
