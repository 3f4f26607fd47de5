import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INSTANCE_ID_LABEL, Informer, instanceIdSelector } from "../../src/runtime/informer.js";
import { LAST_APPLIED_ANNOTATION } from "../../src/runtime/informer-cache.js";
import { type KubeObject, RESOURCES } from "../../src/runtime/kube-resources.js";
import { waitFor } from "../../src/runtime/test-support.js";
import { startTestCluster, type TestCluster } from "./cluster.js";

function configMap(namespace: string, name: string, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { namespace, name },
    data: { version: "1" },
    ...extra,
  };
}

const names = (objs: KubeObject[]): string[] => objs.map((o) => o.metadata.name).sort();

describe("Informer against devcluster", () => {
  let env: TestCluster;

  beforeAll(async () => {
    env = await startTestCluster();
  });

  afterAll(async () => {
    await env.stop();
  });

  it("sees creates, updates and deletes, and keeps a trimmed copy", async () => {
    const ns = await env.namespace("informer");
    await env.client.create(
      RESOURCES.configMaps,
      configMap(ns, "before-start", {
        metadata: {
          namespace: ns,
          name: "before-start",
          annotations: { [LAST_APPLIED_ANNOTATION]: '{"big":"copy"}', team: "shop" },
        },
      }),
    );
    const seen: string[] = [];
    const informer = new Informer({
      client: env.client,
      resource: RESOURCES.configMaps,
      namespace: ns,
      transform: (obj) => {
        // A per-kind trim: this controller never reads `binaryData`.
        delete obj.binaryData;
        return obj;
      },
    });
    informer.addEventHandler({
      onAdd: (o, initial) => seen.push(`add ${o.metadata.name}${initial ? " (initial)" : ""}`),
      onUpdate: (o, n) => {
        if (o !== n) seen.push(`update ${n.metadata.name} ${JSON.stringify(n.data)}`);
      },
      onDelete: (o) => seen.push(`delete ${o.metadata.name}`),
    });
    informer.start();
    try {
      await informer.waitForSync(10_000);
      expect(seen).toEqual(["add before-start (initial)"]);
      const cached = informer.get(ns, "before-start");
      expect(cached?.metadata.annotations).toEqual({ team: "shop" });
      expect(cached?.metadata.managedFields).toBeUndefined();

      await env.client.create(
        RESOURCES.configMaps,
        configMap(ns, "later", { binaryData: { blob: "AAEC" } }),
      );
      await env.client.patch(RESOURCES.configMaps, ns, "later", { data: { version: "2" } });
      await env.client.delete(RESOURCES.configMaps, ns, "before-start");
      await waitFor(() => seen.length === 4, {
        timeoutMs: 10_000,
        describe: () => seen.join(" | "),
      });
      expect(seen).toEqual([
        "add before-start (initial)",
        "add later",
        'update later {"version":"2"}',
        "delete before-start",
      ]);
      expect(informer.get(ns, "later")?.binaryData).toBeUndefined();
      expect(informer.get(ns, "before-start")).toBeUndefined();
      expect(names(informer.listByNamespace(ns))).toEqual(["later"]);
    } finally {
      await informer.stop();
    }
  });

  it("indexes objects by owner UID and by label value", async () => {
    const ns = await env.namespace("owners");
    const owner = await env.client.create(RESOURCES.configMaps, configMap(ns, "owner"));
    const ownerRef = {
      apiVersion: "v1",
      kind: "ConfigMap",
      name: "owner",
      uid: owner.metadata.uid ?? "",
      controller: true,
    };
    for (const [name, hash] of [
      ["child-1", "aaa"],
      ["child-2", "bbb"],
    ] as const) {
      await env.client.create(
        RESOURCES.configMaps,
        configMap(ns, name, {
          metadata: {
            namespace: ns,
            name,
            ownerReferences: [ownerRef],
            labels: { "rollouts-pod-template-hash": hash },
          },
        }),
      );
    }
    const informer = new Informer({
      client: env.client,
      resource: RESOURCES.configMaps,
      namespace: ns,
      labelIndexes: ["rollouts-pod-template-hash"],
    });
    informer.start();
    try {
      await informer.waitForSync(10_000);
      expect(names(informer.listByOwner(ownerRef.uid))).toEqual(["child-1", "child-2"]);
      expect(names(informer.listByLabel("rollouts-pod-template-hash", "bbb"))).toEqual(["child-2"]);
      // Releasing a child (ownerReferences removed) takes it out of the owner index.
      await env.client.patch(RESOURCES.configMaps, ns, "child-1", {
        metadata: { ownerReferences: null },
      });
      await waitFor(() => informer.listByOwner(ownerRef.uid).length === 1, {
        timeoutMs: 10_000,
        describe: () => names(informer.listByOwner(ownerRef.uid)).join(","),
      });
      expect(names(informer.listByOwner(ownerRef.uid))).toEqual(["child-2"]);
    } finally {
      await informer.stop();
    }
  });

  it("without an instance id, ignores objects labelled for another controller instance", async () => {
    const ns = await env.namespace("instance");
    await env.client.create(RESOURCES.configMaps, configMap(ns, "mine"));
    await env.client.create(
      RESOURCES.configMaps,
      configMap(ns, "theirs", {
        metadata: { namespace: ns, name: "theirs", labels: { [INSTANCE_ID_LABEL]: "blue" } },
      }),
    );
    const unlabelled = new Informer({
      client: env.client,
      resource: RESOURCES.configMaps,
      namespace: ns,
      labelSelector: instanceIdSelector(undefined),
    });
    const blue = new Informer({
      client: env.client,
      resource: RESOURCES.configMaps,
      namespace: ns,
      labelSelector: instanceIdSelector("blue"),
    });
    unlabelled.start();
    blue.start();
    try {
      await Promise.all([unlabelled.waitForSync(10_000), blue.waitForSync(10_000)]);
      expect(names(unlabelled.list())).toEqual(["mine"]);
      expect(names(blue.list())).toEqual(["theirs"]);
      // Labelling an object for instance "blue" moves it from one informer to the other.
      await env.client.patch(RESOURCES.configMaps, ns, "mine", {
        metadata: { labels: { [INSTANCE_ID_LABEL]: "blue" } },
      });
      await waitFor(() => unlabelled.size === 0 && blue.size === 2, {
        timeoutMs: 10_000,
        describe: () => `unlabelled=${names(unlabelled.list())} blue=${names(blue.list())}`,
      });
    } finally {
      await Promise.all([unlabelled.stop(), blue.stop()]);
    }
  });

  it("lists across pages and watches all namespaces", async () => {
    const ns = await env.namespace("paging");
    for (let i = 0; i < 7; i++) {
      await env.client.create(RESOURCES.configMaps, configMap(ns, `item-${i}`));
    }
    let pages = 0;
    const informer = new Informer({
      client: {
        list: (type, options) => {
          pages++;
          return env.client.list(type, options);
        },
        watch: (type, options, onEvent, signal) => env.client.watch(type, options, onEvent, signal),
      },
      resource: RESOURCES.configMaps,
      pageSize: 3,
    });
    informer.start();
    try {
      await informer.waitForSync(10_000);
      expect(informer.listByNamespace(ns)).toHaveLength(7);
      expect(pages).toBeGreaterThanOrEqual(Math.ceil(informer.size / 3));
      const other = await env.namespace("paging-other");
      await env.client.create(RESOURCES.configMaps, configMap(other, "elsewhere"));
      await waitFor(() => informer.get(other, "elsewhere"), {
        timeoutMs: 10_000,
        describe: () => `${informer.size} objects cached`,
      });
    } finally {
      await informer.stop();
    }
  });
});
