import { describe, expect, it } from "vitest";
import {
  Informer,
  type InformerOptions,
  instanceIdSelector,
  joinSelectors,
  type ListWatchClient,
} from "./informer.js";
import { LAST_APPLIED_ANNOTATION } from "./informer-cache.js";
import type { ListOptions, WatchEvent, WatchOptions } from "./kube.js";
import { KubeApiError } from "./kube-errors.js";
import { type KubeList, type KubeObject, RESOURCES } from "./kube-resources.js";
import { waitFor } from "./test-support.js";

/** An in-memory stand-in for the API server's list and watch of one kind. */
class FakeApi implements ListWatchClient {
  objects = new Map<string, KubeObject>();
  version = 100;
  lists: ListOptions[] = [];
  watches: WatchOptions[] = [];
  /** Errors the next list/watch calls throw, in order. */
  listErrors: Error[] = [];
  watchErrors: Error[] = [];
  private emit: ((event: WatchEvent) => void) | undefined;
  private endWatch: ((error?: Error) => void) | undefined;

  put(obj: KubeObject, type: "ADDED" | "MODIFIED" = "ADDED"): void {
    this.version++;
    const stored = structuredClone({
      ...obj,
      metadata: { ...obj.metadata, resourceVersion: String(this.version) },
    });
    this.objects.set(`${obj.metadata.namespace}/${obj.metadata.name}`, stored);
    this.emit?.({ type, object: structuredClone(stored) });
  }

  remove(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const obj = this.objects.get(key);
    if (obj === undefined) return;
    this.objects.delete(key);
    this.version++;
    // Like the API server: the deletion event carries a new resourceVersion.
    const deleted = {
      ...obj,
      metadata: { ...obj.metadata, resourceVersion: String(this.version) },
    };
    this.emit?.({ type: "DELETED", object: structuredClone(deleted) });
  }

  get watching(): boolean {
    return this.emit !== undefined;
  }

  /** Ends the current watch stream, normally or with an error. */
  closeWatch(error?: Error): void {
    this.endWatch?.(error);
  }

  async list(_type: unknown, options: ListOptions = {}): Promise<KubeList> {
    this.lists.push(options);
    const error = this.listErrors.shift();
    if (error !== undefined) throw error;
    // Like the API server, list items carry no apiVersion/kind.
    const items = [...this.objects.values()].map((o) => {
      const { apiVersion: _v, kind: _k, ...rest } = structuredClone(o);
      return rest as KubeObject;
    });
    // Serve two objects per page to exercise pagination.
    const start = Number(options.continueToken ?? "0");
    const page = items.slice(start, start + 2);
    const next = start + 2 < items.length ? String(start + 2) : undefined;
    return {
      metadata: {
        resourceVersion: String(this.version),
        ...(next === undefined ? {} : { continue: next }),
      },
      items: page,
    };
  }

  watch(
    _type: unknown,
    options: WatchOptions,
    onEvent: (event: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    this.watches.push(options);
    const error = this.watchErrors.shift();
    if (error !== undefined) return Promise.reject(error);
    return new Promise((resolve, reject) => {
      const finish = (failure?: Error): void => {
        this.emit = undefined;
        this.endWatch = undefined;
        if (failure === undefined) resolve();
        else reject(failure);
      };
      this.emit = onEvent;
      this.endWatch = finish;
      signal.addEventListener("abort", () => finish(), { once: true });
    });
  }
}

function replicaSet(name: string, extra: Partial<KubeObject["metadata"]> = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { namespace: "shop", name, ...extra },
    spec: { replicas: 1 },
  };
}

function makeInformer(api: FakeApi, options: Partial<InformerOptions> = {}): Informer {
  return new Informer({
    client: api,
    resource: RESOURCES.replicaSets,
    backoff: { initialMs: 5, maxMs: 20 },
    ...options,
  });
}

describe("Informer", () => {
  it("lists in pages, syncs, then follows adds, updates and deletes", async () => {
    const api = new FakeApi();
    for (const name of ["a", "b", "c"]) api.put(replicaSet(name));
    const seen: string[] = [];
    const informer = makeInformer(api);
    informer.addEventHandler({
      onAdd: (obj, initial) => seen.push(`add ${obj.metadata.name} ${initial}`),
      onUpdate: (o, n) =>
        seen.push(
          `update ${n.metadata.name} ${o.metadata.resourceVersion}->${n.metadata.resourceVersion}`,
        ),
      onDelete: (obj) => seen.push(`delete ${obj.metadata.name}`),
    });
    expect(informer.hasSynced()).toBe(false);
    informer.start();
    await informer.waitForSync(2_000);
    expect(api.lists.map((l) => l.continueToken)).toEqual([undefined, "2"]);
    expect(informer.size).toBe(3);
    await waitFor(() => api.watching, { describe: () => "no watch opened" });
    expect(api.watches[0]?.resourceVersion).toBe("103");
    api.put(replicaSet("d"));
    api.put({ ...replicaSet("a"), spec: { replicas: 3 } }, "MODIFIED");
    api.remove("shop", "b");
    expect(seen).toEqual([
      "add a true",
      "add b true",
      "add c true",
      "add d false",
      "update a 101->105",
      "delete b",
    ]);
    expect(informer.get("shop", "a")?.spec).toEqual({ replicas: 3 });
    expect(informer.get("shop", "b")).toBeUndefined();
    expect(informer.lastSyncResourceVersion).toBe("106");
    await informer.stop();
  });

  it("stores a trimmed copy: no managedFields, no last-applied annotation", async () => {
    const api = new FakeApi();
    api.put(
      replicaSet("a", {
        managedFields: [{ manager: "kubectl", fieldsV1: { big: true } }],
        annotations: { [LAST_APPLIED_ANNOTATION]: "{...}", "rollout.argoproj.io/revision": "2" },
      }),
    );
    const informer = makeInformer(api, {
      transform: (obj) => {
        delete obj.status;
        return obj;
      },
    });
    informer.start();
    await informer.waitForSync(2_000);
    await waitFor(() => api.watching);
    api.put({ ...replicaSet("b", { managedFields: [] }), status: { replicas: 1 } });
    const a = informer.get("shop", "a");
    expect(a?.metadata.managedFields).toBeUndefined();
    expect(a).toMatchObject({ apiVersion: "apps/v1", kind: "ReplicaSet" });
    expect(a?.metadata.annotations).toEqual({ "rollout.argoproj.io/revision": "2" });
    const b = informer.get("shop", "b");
    expect(b?.metadata.managedFields).toBeUndefined();
    expect(b?.status).toBeUndefined();
    await informer.stop();
  });

  it("indexes by namespace, owner UID and chosen label, and keeps indexes current", async () => {
    const api = new FakeApi();
    const owner = {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Rollout",
      name: "web",
      uid: "u-web",
    };
    api.put(replicaSet("web-1", { ownerReferences: [owner], labels: { hash: "1" } }));
    api.put(replicaSet("web-2", { ownerReferences: [owner], labels: { hash: "2" } }));
    api.put({ ...replicaSet("other"), metadata: { namespace: "ops", name: "other" } });
    const informer = makeInformer(api, { labelIndexes: ["hash"] });
    informer.start();
    await informer.waitForSync(2_000);
    await waitFor(() => api.watching);
    const names = (objs: KubeObject[]): string[] => objs.map((o) => o.metadata.name).sort();
    expect(names(informer.listByOwner("u-web"))).toEqual(["web-1", "web-2"]);
    expect(names(informer.listByNamespace("ops"))).toEqual(["other"]);
    expect(names(informer.listByLabel("hash", "2"))).toEqual(["web-2"]);
    // Orphaned and relabelled: both indexes follow the update.
    api.put(replicaSet("web-2", { labels: { hash: "3" } }), "MODIFIED");
    expect(names(informer.listByOwner("u-web"))).toEqual(["web-1"]);
    expect(informer.listByLabel("hash", "2")).toEqual([]);
    expect(names(informer.listByLabel("hash", "3"))).toEqual(["web-2"]);
    expect(() => informer.listByLabel("unindexed", "x")).toThrow(/no index "label:unindexed"/);
    await informer.stop();
  });

  it("re-lists on 410 Gone and reports what changed while it was not watching", async () => {
    const api = new FakeApi();
    api.put(replicaSet("a"));
    api.put(replicaSet("b"));
    const seen: string[] = [];
    const informer = makeInformer(api);
    informer.addEventHandler({
      onAdd: (obj) => seen.push(`add ${obj.metadata.name}`),
      onUpdate: (_o, n) => seen.push(`update ${n.metadata.name}`),
      onDelete: (obj) => seen.push(`delete ${obj.metadata.name}`),
    });
    informer.start();
    await informer.waitForSync(2_000);
    await waitFor(() => api.watching);
    seen.length = 0;
    // Changes the informer misses, then the server says our version is too old.
    const emit = api.closeWatch.bind(api);
    api.closeWatch = () => {};
    api.objects.delete("shop/a");
    api.version++;
    api.put(replicaSet("c"));
    api.put({ ...replicaSet("b"), spec: { replicas: 9 } }, "MODIFIED");
    emit(
      new KubeApiError("watch replicasets: too old resource version", 410, "Expired", "too old"),
    );
    await waitFor(() => informer.listCount === 2 && api.watching, {
      describe: () => `lists=${informer.listCount}`,
    });
    expect(seen.sort()).toEqual(["add c", "delete a", "update b"]);
    expect(informer.get("shop", "b")?.spec).toEqual({ replicas: 9 });
    await informer.stop();
  });

  it("retries failed lists and watches with backoff, re-watching from the last version", async () => {
    const api = new FakeApi();
    api.put(replicaSet("a"));
    api.listErrors.push(new KubeApiError("list failed", 0, "", "connection refused"));
    api.watchErrors.push(new KubeApiError("watch failed", 503, "", "unavailable"));
    const informer = makeInformer(api);
    informer.start();
    await informer.waitForSync(2_000);
    expect(api.lists.length).toBe(2);
    await waitFor(() => api.watching, { describe: () => `${api.watches.length} watches` });
    expect(api.watches.length).toBe(2);
    expect(api.watches[1]?.resourceVersion).toBe("101");
    // A normal end of stream (server timeout) re-watches without listing again.
    api.put(replicaSet("b"));
    api.closeWatch();
    await waitFor(() => api.watches.length === 3 && api.watching, {
      describe: () => `${api.watches.length} watches`,
    });
    expect(api.watches[2]?.resourceVersion).toBe("102");
    expect(informer.listCount).toBe(1);
    await informer.stop();
  });

  it("replays the cache to a handler added after sync, and survives a throwing handler", async () => {
    const api = new FakeApi();
    api.put(replicaSet("a"));
    const informer = makeInformer(api);
    informer.addEventHandler({
      onAdd: () => {
        throw new Error("bug in a handler");
      },
    });
    informer.start();
    await informer.waitForSync(2_000);
    const late: string[] = [];
    informer.addEventHandler({
      onAdd: (obj, initial) => late.push(`${obj.metadata.name} ${initial}`),
    });
    expect(late).toEqual(["a true"]);
    await waitFor(() => api.watching);
    api.put(replicaSet("b"));
    expect(late).toEqual(["a true", "b false"]);
    await informer.stop();
  });

  it("resyncs every object to onUpdate at the configured period", async () => {
    const api = new FakeApi();
    api.put(replicaSet("a"));
    const resynced: string[] = [];
    const informer = makeInformer(api, { resyncPeriodMs: 20 });
    informer.addEventHandler({
      onUpdate: (o, n) => {
        if (o === n) resynced.push(n.metadata.name);
      },
    });
    informer.start();
    await waitFor(() => resynced.length >= 2, { describe: () => resynced.join(",") });
    await informer.stop();
  });

  it("passes namespace and selectors to list and watch", async () => {
    const api = new FakeApi();
    const informer = makeInformer(api, {
      namespace: "shop",
      labelSelector: joinSelectors(instanceIdSelector(undefined), "app=web"),
    });
    informer.start();
    await informer.waitForSync(2_000);
    await waitFor(() => api.watching);
    expect(api.lists[0]).toMatchObject({
      namespace: "shop",
      labelSelector: "!argo-rollouts.argoproj.io/controller-instance-id,app=web",
    });
    expect(api.watches[0]).toMatchObject({ namespace: "shop", allowWatchBookmarks: true });
    expect(instanceIdSelector("blue")).toBe(
      "argo-rollouts.argoproj.io/controller-instance-id=blue",
    );
    await informer.stop();
  });
});
