import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { call, field, startTestCluster, waitFor } from "./helpers.js";
import { openWatch } from "./watch-stream.js";

type Cluster = Awaited<ReturnType<typeof startTestCluster>>;
let cluster: Cluster;
const ROLLOUTS = "/apis/argoproj.io/v1alpha1/namespaces/default/rollouts";
const CM = "/api/v1/namespaces/default/configmaps";

function rollout(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: { name },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } } },
      ...spec,
    },
  };
}

beforeAll(async () => {
  cluster = await startTestCluster({
    watchHistorySize: 50,
    bookmarkIntervalMs: 200,
    maxWatchBufferBytes: 256 * 1024,
  });
  const crd = parse(
    readFileSync(new URL("./fixtures/rollout-crd.yaml", import.meta.url), "utf8"),
  ) as unknown;
  const created = await call(
    cluster,
    "POST",
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
    crd,
  );
  expect(created.status).toBe(201);
});
afterAll(async () => cluster.cleanup());

describe("custom resources", () => {
  it("serves a CRD as soon as it is created, in discovery and as an established CRD", async () => {
    const resources = (await call(cluster, "GET", "/apis/argoproj.io/v1alpha1")).body
      .resources as Array<{ name: string; shortNames?: string[] }>;
    expect(resources.map((r) => r.name)).toEqual(["rollouts", "rollouts/status", "rollouts/scale"]);
    const crd = await call(
      cluster,
      "GET",
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/rollouts.argoproj.io",
    );
    expect(field(crd.body, "status", "conditions")).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: "Established", status: "True" })]),
    );
  });

  it("validates against the schema with Kubernetes-worded field paths", async () => {
    const res = await call(
      cluster,
      "POST",
      ROLLOUTS,
      rollout("bad", { replicas: "two", strategy: { canary: { steps: [{ setWeight: 150 }] } } }),
    );
    expect(res.status).toBe(422);
    expect(res.body.message).toBe(
      'Rollout.argoproj.io "bad" is invalid: [spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string", spec.strategy.canary.steps[0].setWeight: Invalid value: 150: spec.strategy.canary.steps[0].setWeight in body should be less than or equal to 100]',
    );
    expect(field(res.body, "details", "causes")).toEqual([
      expect.objectContaining({ field: "spec.replicas", reason: "FieldValueTypeInvalid" }),
      expect.objectContaining({
        field: "spec.strategy.canary.steps[0].setWeight",
        reason: "FieldValueInvalid",
      }),
    ]);
    const missing = await call(cluster, "POST", ROLLOUTS, {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "nospec" },
    });
    expect(missing.body.message).toBe(
      'Rollout.argoproj.io "nospec" is invalid: spec: Required value',
    );
  });

  it("prunes unknown fields, keeps preserved ones and applies defaults", async () => {
    const res = await call(cluster, "POST", ROLLOUTS, {
      ...rollout("pruned", { surprise: true, template: { anything: { goes: 1 } } }),
      topLevelExtra: 1,
    });
    expect(res.status).toBe(201);
    expect(field(res.body, "spec", "surprise")).toBeUndefined();
    expect(res.body.topLevelExtra).toBeUndefined();
    expect(field(res.body, "spec", "template", "anything", "goes")).toBe(1);
    const strict = await call(
      cluster,
      "POST",
      `${ROLLOUTS}?fieldValidation=Strict`,
      rollout("strict", { surprise: true }),
    );
    expect(strict.status).toBe(400);
    expect(strict.body.message).toBe(
      'Rollout in version "v1alpha1" cannot be handled as a Rollout: strict decoding error: unknown field "spec.surprise"',
    );
    const defaulted = await call(cluster, "POST", ROLLOUTS, {
      ...rollout("defaulted"),
      spec: { selector: {} },
    });
    expect(field(defaulted.body, "spec", "replicas")).toBe(1);
  });

  it("keeps status behind the status subresource and scales through /scale", async () => {
    const created = await call(cluster, "POST", ROLLOUTS, {
      ...rollout("sub"),
      status: { phase: "ignored" },
    });
    expect(created.body.status).toBeUndefined();
    const status = await call(cluster, "PUT", `${ROLLOUTS}/sub/status`, {
      ...created.body,
      status: { HPAReplicas: 2, selector: "app=sub", phase: "Healthy" },
    });
    expect(field(status.body, "status", "phase")).toBe("Healthy");
    expect(field(status.body, "metadata", "generation")).toBe(1);
    const scale = await call(cluster, "GET", `${ROLLOUTS}/sub/scale`);
    expect(scale.body).toMatchObject({
      spec: { replicas: 2 },
      status: { replicas: 2, selector: "app=sub" },
    });
    await call(cluster, "PUT", `${ROLLOUTS}/sub/scale`, { ...scale.body, spec: { replicas: 5 } });
    const after = await call(cluster, "GET", `${ROLLOUTS}/sub`);
    expect(field(after.body, "spec", "replicas")).toBe(5);
    expect(field(after.body, "metadata", "generation")).toBe(2);
  });

  it("renders printer columns as a Table when asked", async () => {
    await call(cluster, "POST", ROLLOUTS, rollout("table"));
    const res = await call(
      cluster,
      "GET",
      `${ROLLOUTS}?fieldSelector=metadata.name%3Dtable`,
      undefined,
      {
        accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
      },
    );
    expect(res.body.kind).toBe("Table");
    const columns = (res.body.columnDefinitions as Array<{ name: string }>).map((c) => c.name);
    expect(columns).toEqual(["Name", "Desired", "Current", "Up-to-date", "Available", "Age"]);
    expect(field(res.body, "rows", 0, "cells", 0)).toBe("table");
    expect(field(res.body, "rows", 0, "cells", 1)).toBe(2);
    expect(field(res.body, "rows", 0, "cells", 5)).toMatch(/^\d+s$/);
  });

  it("answers strategic merge patch on a custom resource with 415", async () => {
    await call(cluster, "POST", ROLLOUTS, rollout("smp"));
    const res = await call(
      cluster,
      "PATCH",
      `${ROLLOUTS}/smp`,
      { spec: { replicas: 3 } },
      { "content-type": "application/strategic-merge-patch+json" },
    );
    expect(res.status).toBe(415);
  });

  it("stops serving the kind and removes its objects when the CRD is deleted", async () => {
    const crd = parse(
      readFileSync(new URL("./fixtures/rollout-crd.yaml", import.meta.url), "utf8"),
    ) as Record<string, Record<string, unknown>>;
    const other = structuredClone(crd);
    other.metadata = { name: "widgets.example.com" };
    other.spec = {
      ...crd.spec,
      group: "example.com",
      names: { kind: "Widget", plural: "widgets", singular: "widget" },
    };
    expect(
      (
        await call(
          cluster,
          "POST",
          "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
          other,
        )
      ).status,
    ).toBe(201);
    const path = "/apis/example.com/v1alpha1/namespaces/default/widgets";
    expect((await call(cluster, "POST", path, { metadata: { name: "w" }, spec: {} })).status).toBe(
      201,
    );
    await call(
      cluster,
      "DELETE",
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com",
    );
    expect((await call(cluster, "GET", path)).status).toBe(404);
  });
});

describe("watch", () => {
  it("streams changes after a resourceVersion, with selectors, bookmarks and a timeout", async () => {
    const start = await call(cluster, "POST", CM, {
      metadata: { name: "w-start", labels: { watch: "yes" } },
    });
    const rv = String(field(start.body, "metadata", "resourceVersion"));
    const watch = openWatch(
      cluster,
      `${CM}?watch=true&resourceVersion=${rv}&labelSelector=watch%3Dyes&allowWatchBookmarks=true&timeoutSeconds=3`,
    );
    await call(cluster, "POST", CM, { metadata: { name: "w-other" } });
    await call(cluster, "POST", CM, { metadata: { name: "w-one", labels: { watch: "yes" } } });
    await call(
      cluster,
      "PATCH",
      `${CM}/w-one`,
      { data: { x: "1" } },
      { "content-type": "application/merge-patch+json" },
    );
    await call(
      cluster,
      "PATCH",
      `${CM}/w-other`,
      { metadata: { labels: { watch: "yes" } } },
      { "content-type": "application/merge-patch+json" },
    );
    await call(cluster, "DELETE", `${CM}/w-one`);
    await waitFor(
      "a bookmark",
      () => (watch.events.some((e) => e.type === "BOOKMARK") ? true : undefined),
      { describe: () => watch.events },
    );
    await watch.ended;
    const seen = watch.events
      .filter((e) => e.type !== "BOOKMARK")
      .map((e) => `${e.type} ${e.object.metadata?.name ?? ""}`);
    expect(seen).toEqual(["ADDED w-one", "MODIFIED w-one", "ADDED w-other", "DELETED w-one"]);
    const rvs = watch.events.map((e) => Number(e.object.metadata?.resourceVersion));
    expect([...rvs].sort((a, b) => a - b)).toEqual(rvs);
  });

  it("starts with the current state as ADDED events when no resourceVersion is given", async () => {
    await call(cluster, "POST", CM, {
      metadata: { name: "w-initial", labels: { initial: "yes" } },
    });
    const watch = openWatch(cluster, `${CM}?watch=true&labelSelector=initial&timeoutSeconds=1`);
    await watch.ended;
    expect(watch.events.map((e) => `${e.type} ${e.object.metadata?.name ?? ""}`)).toEqual([
      "ADDED w-initial",
    ]);
  });

  it("answers 410 Gone for a resourceVersion older than the history kept", async () => {
    const first = await call(cluster, "POST", CM, { metadata: { name: "w-old" } });
    // The history holds 50 changes in this cluster; make 60 more.
    for (let i = 0; i < 60; i++)
      await call(
        cluster,
        "PATCH",
        `${CM}/w-old`,
        { data: { i: String(i) } },
        { "content-type": "application/merge-patch+json" },
      );
    const watch = openWatch(
      cluster,
      `${CM}?watch=true&resourceVersion=${String(field(first.body, "metadata", "resourceVersion"))}`,
    );
    await watch.ended;
    expect(watch.events).toEqual([
      expect.objectContaining({
        type: "ERROR",
        object: expect.objectContaining({ code: 410, reason: "Expired" }),
      }),
    ]);
  });

  it("disconnects a watcher that stops reading instead of buffering for it", async () => {
    const { request } = await import("node:https");
    let received = 0;
    let paused: import("node:http").IncomingMessage | undefined;
    const ended = new Promise<void>((resolve, reject) => {
      const req = request(
        `${cluster.url}${CM}?watch=true&labelSelector=flood`,
        { ca: cluster.caPem, headers: { authorization: `Bearer ${cluster.token}` } },
        (res) => {
          paused = res;
          // Do not read while the flood is written: the server must give up on this watcher.
          res.pause();
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            received += chunk.split("\n").filter((line) => line.includes('"ADDED"')).length;
          });
          res.on("close", () => resolve());
          res.on("end", () => resolve());
        },
      );
      req.on("error", () => resolve());
      req.end();
      setTimeout(() => reject(new Error("watch never ended")), 50_000).unref();
    });
    await waitFor("the watch to open", () => paused);
    const payload = "x".repeat(256 * 1024);
    const total = 100;
    for (let i = 0; i < total; i++) {
      await call(cluster, "POST", CM, {
        metadata: { name: `flood-${i}`, labels: { flood: "yes" } },
        data: { payload },
      });
    }
    paused?.resume();
    await ended;
    // 100 x 256 KiB is 25 MiB; the server cut the watcher off well before delivering it all.
    expect(received).toBeLessThan(total);
    expect((await call(cluster, "GET", "/healthz")).status).toBe(200);
  });
});
