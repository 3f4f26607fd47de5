import { describe, expect, it } from "vitest";
import { applyJsonPatch } from "./json-patch.js";
import { applyMergePatch } from "./merge-patch.js";
import { applyStrategicMergePatch } from "./strategic-merge.js";

const pod = {
  metadata: { finalizers: ["a"], labels: { x: "1" } },
  spec: {
    containers: [
      {
        name: "app",
        image: "app:1",
        ports: [{ containerPort: 80, name: "http" }],
        env: [{ name: "A", value: "1" }],
      },
      { name: "proxy", image: "envoy:1" },
    ],
    tolerations: [{ key: "t1" }],
  },
};

describe("strategic merge patch", () => {
  it("merges containers, ports and env by their keys", () => {
    const result = applyStrategicMergePatch(pod, {
      spec: {
        containers: [
          {
            name: "app",
            image: "app:2",
            ports: [{ containerPort: 81 }],
            env: [{ name: "A", value: "2" }],
          },
        ],
      },
    });
    expect(result).toMatchObject({
      spec: {
        containers: [
          {
            name: "app",
            image: "app:2",
            ports: [{ containerPort: 80, name: "http" }, { containerPort: 81 }],
            env: [{ name: "A", value: "2" }],
          },
          { name: "proxy", image: "envoy:1" },
        ],
      },
    });
  });

  it("replaces lists without a merge key and honours the directives", () => {
    const result = applyStrategicMergePatch(pod, {
      metadata: {
        finalizers: ["b"],
        labels: { x: null },
        "$deleteFromPrimitiveList/finalizers": ["a"],
      },
      spec: { tolerations: [{ key: "t2" }], containers: [{ name: "proxy", $patch: "delete" }] },
    }) as {
      metadata: Record<string, unknown>;
      spec: { tolerations: unknown; containers: Array<{ name: string }> };
    };
    expect(result.spec.tolerations).toEqual([{ key: "t2" }]);
    expect(result.spec.containers.map((c) => c.name)).toEqual(["app"]);
    expect(result.metadata.labels).toEqual({});
    expect(result.metadata.finalizers).toEqual(["b"]);
  });
});

describe("merge patch and JSON patch", () => {
  it("merge patch replaces lists and deletes with null", () => {
    expect(applyMergePatch({ a: [1, 2], b: { c: 1, d: 2 } }, { a: [3], b: { c: null } })).toEqual({
      a: [3],
      b: { d: 2 },
    });
  });

  it("JSON patch adds, removes, moves and tests, and refuses bad paths", () => {
    const doc = { a: [1, 2], b: { c: 1 } };
    expect(
      applyJsonPatch(doc, [
        { op: "add", path: "/a/-", value: 3 },
        { op: "move", from: "/b/c", path: "/d" },
        { op: "remove", path: "/a/0" },
      ]),
    ).toEqual({ a: [2, 3], b: {}, d: 1 });
    expect(() => applyJsonPatch(doc, [{ op: "remove", path: "/nope" }])).toThrow("does not exist");
    expect(() => applyJsonPatch(doc, [{ op: "test", path: "/b/c", value: 2 }])).toThrow(
      "test failed",
    );
    expect(doc).toEqual({ a: [1, 2], b: { c: 1 } });
  });
});
