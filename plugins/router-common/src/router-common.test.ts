import { PluginError } from "@sluice/sdk";
import { describe, expect, it } from "vitest";
import {
  controllerUid,
  createOrRaced,
  kubeconfigFlag,
  type ObjectClient,
  patchOrRaced,
  readRollout,
  sameJson,
} from "./index.js";

const rollout = {
  metadata: { name: "web", namespace: "shop", uid: "u-1" },
  spec: {
    strategy: {
      canary: {
        canaryService: "web-canary",
        stableService: "web-stable",
        trafficRouting: { maxTrafficWeight: 1000, managedRoutes: [{ name: "a" }, { x: 1 }] },
      },
    },
  },
  status: { canary: { weights: { canary: { weight: 30 } } } },
};

describe("readRollout", () => {
  it("reads identity, services, max weight, managed routes and the recorded weight", () => {
    expect(readRollout(rollout, "test")).toEqual({
      name: "web",
      namespace: "shop",
      uid: "u-1",
      canaryService: "web-canary",
      stableService: "web-stable",
      maxTrafficWeight: 1000,
      managedRoutes: ["a"],
      statusCanaryWeight: 30,
    });
  });

  it("refuses a Rollout without the canary/stable Services, naming the router and the fix", () => {
    const bad = { ...rollout, spec: { strategy: { canary: { canaryService: "c" } } } };
    expect(() => readRollout(bad, "SMI")).toThrow(PluginError);
    expect(() => readRollout(bad, "SMI")).toThrow(
      /shop\/web: the SMI router needs .*stableService/,
    );
  });
});

describe("helpers", () => {
  it("finds --kubeconfig in both spellings", () => {
    expect(kubeconfigFlag(["--kubeconfig", "/a"])).toBe("/a");
    expect(kubeconfigFlag(["--listen", "x", "--kubeconfig=/b"])).toBe("/b");
    expect(kubeconfigFlag(["--listen", "x"])).toBeUndefined();
  });

  it("finds the controller owner reference only", () => {
    const refs = [
      { uid: "other", controller: false },
      { uid: "owner", controller: true },
    ];
    expect(controllerUid({ metadata: { ownerReferences: refs } })).toBe("owner");
    expect(controllerUid({ metadata: {} })).toBeUndefined();
  });

  it("compares JSON ignoring key order but not array order", () => {
    expect(sameJson({ a: 1, b: [1, { c: "x" }] }, { b: [1, { c: "x" }], a: 1 })).toBe(true);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson({ a: 1 }, { a: 1, b: null })).toBe(false);
  });
});

/** An ObjectClient whose writes fail with the given HTTP status (undefined: they succeed). */
function failingWrites(code: number | undefined): ObjectClient {
  const fail = async (): Promise<never> => {
    throw { code, body: { message: `HTTP ${code}` } };
  };
  return {
    get: async () => undefined,
    create: code === undefined ? async (_ns, body) => body : fail,
    mergePatch: code === undefined ? async (_ns, _name, patch) => patch : fail,
  };
}

describe("writes in a read-then-write pass", () => {
  const type = { group: "g.io", version: "v1", plural: "things", kind: "Thing" };

  it("reports a create conflict or a patch on a deleted object as raced while a retry is left", async () => {
    expect(await createOrRaced(failingWrites(undefined), type, "ns", "a", {}, true)).toBe(
      "written",
    );
    expect(await createOrRaced(failingWrites(409), type, "ns", "a", {}, true)).toBe("raced");
    expect(await patchOrRaced(failingWrites(undefined), type, "ns", "a", {}, true)).toBe("written");
    expect(await patchOrRaced(failingWrites(404), type, "ns", "a", {}, true)).toBe("raced");
  });

  it("throws an error naming the verb and object on the last attempt or another failure", async () => {
    await expect(createOrRaced(failingWrites(409), type, "ns", "a", {}, false)).rejects.toThrow(
      /create Thing ns\/a failed/,
    );
    await expect(patchOrRaced(failingWrites(403), type, "ns", "a", {}, true)).rejects.toThrow(
      /patch Thing ns\/a was forbidden/,
    );
  });
});
