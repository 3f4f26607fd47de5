import { rmSync } from "node:fs";
import {
  CoreV1Api,
  type KubeConfig,
  makeInformer,
  type V1ConfigMap,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevCluster } from "../src/index.js";
import { tempDir, waitFor } from "./helpers.js";

// A client-node informer (list + watch) follows churn and survives a devcluster restart.
const dataDir = tempDir();
let cluster: Awaited<ReturnType<typeof startDevCluster>>;
let config: KubeConfig;

beforeAll(async () => {
  cluster = await startDevCluster({ dataDir, port: 0 });
  config = cluster.kubeConfig();
});
afterAll(async () => {
  await cluster.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("client-node informer", () => {
  // A generous limit: on a busy 2-core machine the 360 requests and the restart take a while.
  it("sees every create, update and delete under churn, and relists after a restart", {
    timeout: 240_000,
  }, async () => {
    const core = config.makeApiClient(CoreV1Api);
    const namespace = "default";
    const informer = makeInformer(config, `/api/v1/namespaces/${namespace}/configmaps`, () =>
      core.listNamespacedConfigMap({ namespace }),
    );
    const added = new Set<string>();
    const deleted = new Set<string>();
    const lastValue = new Map<string, string>();
    const errors: unknown[] = [];
    informer.on("add", (cm: V1ConfigMap) => {
      added.add(cm.metadata?.name ?? "");
      lastValue.set(cm.metadata?.name ?? "", cm.data?.v ?? "");
    });
    informer.on("update", (cm: V1ConfigMap) =>
      lastValue.set(cm.metadata?.name ?? "", cm.data?.v ?? ""),
    );
    informer.on("delete", (cm: V1ConfigMap) => deleted.add(cm.metadata?.name ?? ""));
    informer.on("error", (error: unknown) => {
      errors.push(error);
      // The documented pattern: start again after an error; it relists when its version is gone.
      setTimeout(() => {
        informer.start().catch((startError: unknown) => errors.push(startError));
      }, 200);
    });
    await informer.start();

    // Churn: 8 writers in flight creating, updating and deleting 120 objects.
    const names = Array.from({ length: 120 }, (_, i) => `churn-${i}`);
    const work = names.map((name, i) => async () => {
      await core.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name }, data: { v: "0" } },
      });
      await core.replaceNamespacedConfigMap({
        namespace,
        name,
        body: { metadata: { name }, data: { v: "1" } },
      });
      if (i % 3 === 0) await core.deleteNamespacedConfigMap({ namespace, name });
    });
    const queue = [...work];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let job = queue.shift(); job; job = queue.shift()) await job();
      }),
    );
    const expectedDeleted = names.filter((_, i) => i % 3 === 0);
    await waitFor(
      "the informer to catch up with the churn",
      () => {
        const allAdded = names.every((n) => added.has(n));
        const allDeleted = expectedDeleted.every((n) => deleted.has(n));
        const allUpdated = names
          .filter((_, i) => i % 3 !== 0)
          .every((n) => lastValue.get(n) === "1");
        return allAdded && allDeleted && allUpdated ? true : undefined;
      },
      {
        timeoutMs: 90_000,
        describe: () => ({ added: added.size, deleted: deleted.size, errors: errors.map(String) }),
      },
    );
    expect(
      informer.list(namespace).filter((cm) => cm.metadata?.name?.startsWith("churn-")),
    ).toHaveLength(80);

    // Restart devcluster on the same port and data dir; change things while it is down-and-up.
    const port = cluster.port;
    await cluster.stop();
    cluster = await startDevCluster({ dataDir, port });
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: "after-restart" }, data: { v: "new" } },
    });
    await core.deleteNamespacedConfigMap({ namespace, name: "churn-1" });
    await waitFor(
      "the informer to relist and see changes made after the restart",
      () => {
        const names = informer.list(namespace).map((cm) => cm.metadata?.name);
        return names.includes("after-restart") && !names.includes("churn-1") ? true : undefined;
      },
      {
        timeoutMs: 90_000,
        describe: () => ({ errors: errors.map(String), cached: informer.list(namespace).length }),
      },
    );
    expect(deleted.has("churn-1")).toBe(true);
    await informer.stop();
  });
});
