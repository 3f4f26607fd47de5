import { describe, expect, it } from "vitest";
import type { ListWatchClient } from "./informer.js";
import { enqueueObject, enqueueOwner, SharedInformers } from "./informer-factory.js";
import { type KubeObject, RESOURCES } from "./kube-resources.js";

/** Lists nothing and holds every watch open until aborted. */
const idleApi: ListWatchClient = {
  list: async () => ({ metadata: { resourceVersion: "1" }, items: [] }),
  watch: (_t, _o, _e, signal) =>
    new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true })),
};

function rs(name: string, owner?: { kind: string; name: string }): KubeObject {
  return {
    metadata: {
      namespace: "shop",
      name,
      ...(owner === undefined
        ? {}
        : {
            ownerReferences: [
              {
                apiVersion: "argoproj.io/v1alpha1",
                ...owner,
                uid: `u-${owner.name}`,
                controller: true,
              },
            ],
          }),
    },
  };
}

describe("SharedInformers", () => {
  it("shares one informer per kind and scope, and reports sync across all", async () => {
    const informers = new SharedInformers({ client: idleApi, namespace: "shop" });
    const a = informers.informerFor(RESOURCES.replicaSets);
    const b = informers.informerFor(RESOURCES.replicaSets);
    const selected = informers.informerFor(RESOURCES.replicaSets, { labelSelector: "app=web" });
    expect(a).toBe(b);
    expect(selected).not.toBe(a);
    expect(informers.hasSynced()).toBe(false);
    expect(informers.unsynced()).toEqual(["replicasets", "replicasets"]);
    informers.start();
    // Created after start: started at once.
    const late = informers.informerFor(RESOURCES.services);
    await informers.waitForSync(2_000);
    expect(late.hasSynced()).toBe(true);
    expect(informers.hasSynced()).toBe(true);
    await informers.stop();
  });
});

describe("enqueue handlers", () => {
  it("queue an object's own key", () => {
    const keys: string[] = [];
    const handlers = enqueueObject({ add: (k) => keys.push(k) });
    handlers.onAdd?.(rs("web"), false);
    handlers.onDelete?.(rs("api"));
    expect(keys).toEqual(["shop/web", "shop/api"]);
  });

  it("queue the controlling Rollout of a ReplicaSet, old and new owner on a change", () => {
    const keys: string[] = [];
    const handlers = enqueueOwner({ add: (k) => keys.push(k) }, "Rollout");
    handlers.onAdd?.(rs("web-abc", { kind: "Rollout", name: "web" }), false);
    handlers.onAdd?.(rs("dep-abc", { kind: "Deployment", name: "dep" }), false);
    handlers.onAdd?.(rs("orphan"), false);
    handlers.onUpdate?.(
      rs("web-abc", { kind: "Rollout", name: "web" }),
      rs("web-abc", { kind: "Rollout", name: "web2" }),
    );
    expect(keys).toEqual(["shop/web", "shop/web", "shop/web2"]);
  });
});
