import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, field, startTestCluster } from "./helpers.js";

type Cluster = Awaited<ReturnType<typeof startTestCluster>>;
let cluster: Cluster;
const CM = "/api/v1/namespaces/default/configmaps";
const DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments";

function deployment(name: string, replicas = 1): Record<string, unknown> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "main", image: "nginx:1.25" }] },
      },
    },
  };
}

beforeAll(async () => {
  // The controllers are off: these tests look at API semantics alone.
  cluster = await startTestCluster({
    controllers: {
      replicaSets: false,
      deployments: false,
      jobs: false,
      endpoints: false,
      kubelet: false,
    },
  });
});
afterAll(async () => cluster.cleanup());

describe("API conventions", () => {
  it("answers version, health and discovery", async () => {
    expect(
      (await call(cluster, "GET", "/version", undefined, { authorization: "" })).body.major,
    ).toBe("1");
    expect((await call(cluster, "GET", "/healthz")).text).toBe("ok");
    expect(field((await call(cluster, "GET", "/api")).body, "versions")).toEqual(["v1"]);
    const groups = (await call(cluster, "GET", "/apis")).body.groups as Array<{ name: string }>;
    expect(groups.map((g) => g.name)).toEqual(
      expect.arrayContaining(["apps", "batch", "apiextensions.k8s.io", "coordination.k8s.io"]),
    );
    const apps = (await call(cluster, "GET", "/apis/apps/v1")).body.resources as Array<{
      name: string;
    }>;
    expect(apps.map((r) => r.name)).toEqual(
      expect.arrayContaining(["deployments", "deployments/scale", "replicasets/status"]),
    );
  });

  it("rejects requests without the kubeconfig's bearer token", async () => {
    const none = await call(cluster, "GET", CM, undefined, { authorization: "" });
    expect(none.status).toBe(401);
    expect(none.body.kind).toBe("Status");
    expect(
      (await call(cluster, "GET", CM, undefined, { authorization: "Bearer wrong" })).status,
    ).toBe(401);
  });

  it("gives monotonic resourceVersions, uid, creationTimestamp and generateName", async () => {
    const first = await call(cluster, "POST", CM, {
      metadata: { generateName: "gen-" },
      data: { a: "1" },
    });
    const second = await call(cluster, "POST", CM, {
      metadata: { generateName: "gen-" },
      data: { a: "2" },
    });
    expect(first.status).toBe(201);
    const name = String(field(first.body, "metadata", "name"));
    expect(name).toMatch(/^gen-[a-z0-9]{5}$/);
    expect(field(first.body, "metadata", "uid")).toMatch(/^[0-9a-f-]{36}$/);
    expect(field(first.body, "metadata", "creationTimestamp")).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
    expect(Number(field(second.body, "metadata", "resourceVersion"))).toBeGreaterThan(
      Number(field(first.body, "metadata", "resourceVersion")),
    );
  });

  it("answers 409 Conflict to an update with a stale resourceVersion", async () => {
    const created = await call(cluster, "POST", CM, {
      metadata: { name: "occ" },
      data: { v: "1" },
    });
    const stale = created.body;
    const updated = await call(cluster, "PUT", `${CM}/occ`, { ...stale, data: { v: "2" } });
    expect(updated.status).toBe(200);
    const conflict = await call(cluster, "PUT", `${CM}/occ`, { ...stale, data: { v: "3" } });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({
      kind: "Status",
      reason: "Conflict",
      code: 409,
      details: { name: "occ", kind: "configmaps" },
    });
    expect(String(conflict.body.message)).toContain("the object has been modified");
  });

  it("answers AlreadyExists, NotFound and Invalid as Status objects", async () => {
    await call(cluster, "POST", CM, { metadata: { name: "twice" } });
    const again = await call(cluster, "POST", CM, { metadata: { name: "twice" } });
    expect(again.body).toMatchObject({
      reason: "AlreadyExists",
      code: 409,
      message: 'configmaps "twice" already exists',
    });
    const missing = await call(cluster, "GET", `${CM}/nope`);
    expect(missing.body).toMatchObject({
      reason: "NotFound",
      code: 404,
      message: 'configmaps "nope" not found',
    });
    const bad = await call(cluster, "POST", CM, { metadata: { name: "Bad_Name" } });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({
      reason: "Invalid",
      details: { causes: [{ field: "metadata.name", reason: "FieldValueInvalid" }] },
    });
    expect(String(bad.body.message)).toMatch(
      /^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
    );
  });

  it("bumps generation on spec changes only, never on status or metadata", async () => {
    const created = await call(cluster, "POST", DEPLOYMENTS, deployment("gen"));
    expect(field(created.body, "metadata", "generation")).toBe(1);
    const labelled = await call(
      cluster,
      "PATCH",
      `${DEPLOYMENTS}/gen`,
      { metadata: { labels: { extra: "x" } } },
      { "content-type": "application/merge-patch+json" },
    );
    expect(field(labelled.body, "metadata", "generation")).toBe(1);
    const status = await call(
      cluster,
      "PATCH",
      `${DEPLOYMENTS}/gen/status`,
      { status: { replicas: 7 } },
      { "content-type": "application/merge-patch+json" },
    );
    expect(field(status.body, "metadata", "generation")).toBe(1);
    expect(field(status.body, "status", "replicas")).toBe(7);
    const scaled = await call(
      cluster,
      "PATCH",
      `${DEPLOYMENTS}/gen`,
      { spec: { replicas: 3 } },
      { "content-type": "application/merge-patch+json" },
    );
    expect(field(scaled.body, "metadata", "generation")).toBe(2);
    // A status change sent to the main resource is ignored (status is a subresource).
    const ignored = await call(cluster, "PUT", `${DEPLOYMENTS}/gen`, {
      ...scaled.body,
      status: { replicas: 1 },
    });
    expect(field(ignored.body, "status", "replicas")).toBe(7);
  });

  it("keeps an object with finalizers until they are removed", async () => {
    await call(cluster, "POST", CM, {
      metadata: { name: "fin", finalizers: ["example.com/hold"] },
    });
    const deleting = await call(cluster, "DELETE", `${CM}/fin`);
    expect(deleting.status).toBe(202);
    const held = await call(cluster, "GET", `${CM}/fin`);
    expect(field(held.body, "metadata", "deletionTimestamp")).toBeTypeOf("string");
    const released = await call(
      cluster,
      "PATCH",
      `${CM}/fin`,
      { metadata: { finalizers: null } },
      { "content-type": "application/merge-patch+json" },
    );
    expect(released.status).toBe(200);
    expect((await call(cluster, "GET", `${CM}/fin`)).status).toBe(404);
  });

  it("filters with every label selector operator and with field selectors", async () => {
    const labels: Record<string, Record<string, string>> = {
      "sel-a": { tier: "web", env: "prod" },
      "sel-b": { tier: "db", env: "prod" },
      "sel-c": { tier: "cache" },
    };
    for (const [name, l] of Object.entries(labels))
      await call(cluster, "POST", CM, { metadata: { name, labels: l } });
    const names = async (query: string): Promise<string[]> => {
      const res = await call(cluster, "GET", `${CM}?${query}`);
      expect(res.status).toBe(200);
      return (res.body.items as Array<{ metadata: { name: string } }>)
        .map((i) => i.metadata.name)
        .filter((n) => n.startsWith("sel-"));
    };
    const q = (s: string): string => `labelSelector=${encodeURIComponent(s)}`;
    expect(await names(q("tier=web"))).toEqual(["sel-a"]);
    expect(await names(q("tier==db"))).toEqual(["sel-b"]);
    expect(await names(q("tier!=web"))).toEqual(["sel-b", "sel-c"]);
    expect(await names(q("tier in (web,cache)"))).toEqual(["sel-a", "sel-c"]);
    expect(await names(q("tier notin (web,cache)"))).toEqual(["sel-b"]);
    expect(await names(q("env"))).toEqual(["sel-a", "sel-b"]);
    expect(await names(q("!env"))).toEqual(["sel-c"]);
    expect(await names(q("env=prod,tier in (db)"))).toEqual(["sel-b"]);
    expect(await names(`fieldSelector=${encodeURIComponent("metadata.name=sel-c")}`)).toEqual([
      "sel-c",
    ]);
    expect(await names(`fieldSelector=${encodeURIComponent("metadata.name!=sel-c")}`)).toEqual([
      "sel-a",
      "sel-b",
    ]);
    const pods = await call(
      cluster,
      "GET",
      `/api/v1/pods?fieldSelector=${encodeURIComponent("status.phase=Running")}`,
    );
    expect(pods.status).toBe(200);
  });

  it("pages a list with limit and continue", async () => {
    for (let i = 0; i < 7; i++)
      await call(cluster, "POST", "/api/v1/namespaces/kube-public/configmaps", {
        metadata: { name: `page-${i}` },
      });
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await call(
        cluster,
        "GET",
        `/api/v1/namespaces/kube-public/configmaps?limit=3${token ? `&continue=${token}` : ""}`,
      );
      seen.push(
        ...(res.body.items as Array<{ metadata: { name: string } }>).map((i) => i.metadata.name),
      );
      token = field(res.body, "metadata", "continue") as string | undefined;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(["page-0", "page-1", "page-2", "page-3", "page-4", "page-5", "page-6"]);
  });

  it("patches with JSON patch, merge patch and strategic merge patch", async () => {
    const created = await call(cluster, "POST", DEPLOYMENTS, {
      ...deployment("patchy"),
      spec: {
        ...(deployment("patchy").spec as object),
        template: {
          metadata: { labels: { app: "patchy" } },
          spec: {
            containers: [
              {
                name: "main",
                image: "nginx:1.25",
                env: [{ name: "A", value: "1" }],
                ports: [{ containerPort: 80 }],
              },
              { name: "sidecar", image: "envoy:1" },
            ],
          },
        },
      },
    });
    expect(created.status).toBe(201);
    const smp = await call(
      cluster,
      "PATCH",
      `${DEPLOYMENTS}/patchy`,
      {
        spec: {
          template: {
            spec: {
              containers: [{ name: "main", image: "nginx:1.26", env: [{ name: "B", value: "2" }] }],
            },
          },
        },
      },
      { "content-type": "application/strategic-merge-patch+json" },
    );
    const containers = field(smp.body, "spec", "template", "spec", "containers") as Array<
      Record<string, unknown>
    >;
    expect(containers.map((c) => c.name)).toEqual(["main", "sidecar"]);
    expect(containers[0]?.image).toBe("nginx:1.26");
    expect(containers[0]?.env).toEqual([
      { name: "A", value: "1" },
      { name: "B", value: "2" },
    ]);
    const deleted = await call(
      cluster,
      "PATCH",
      `${DEPLOYMENTS}/patchy`,
      { spec: { template: { spec: { containers: [{ name: "sidecar", $patch: "delete" }] } } } },
      { "content-type": "application/strategic-merge-patch+json" },
    );
    expect(
      (field(deleted.body, "spec", "template", "spec", "containers") as unknown[]).length,
    ).toBe(1);
    const merge = await call(
      cluster,
      "PATCH",
      `${DEPLOYMENTS}/patchy`,
      { spec: { template: { spec: { containers: [{ name: "only", image: "x:1" }] } } } },
      { "content-type": "application/merge-patch+json" },
    );
    expect(field(merge.body, "spec", "template", "spec", "containers", 0, "name")).toBe("only");
    const json = await call(
      cluster,
      "PATCH",
      `${DEPLOYMENTS}/patchy`,
      [
        { op: "replace", path: "/spec/replicas", value: 5 },
        { op: "test", path: "/spec/replicas", value: 5 },
      ],
      { "content-type": "application/json-patch+json" },
    );
    expect(field(json.body, "spec", "replicas")).toBe(5);
    const failedTest = await call(
      cluster,
      "PATCH",
      `${DEPLOYMENTS}/patchy`,
      [{ op: "test", path: "/spec/replicas", value: 9 }],
      { "content-type": "application/json-patch+json" },
    );
    expect(failedTest.status).toBe(422);
    // Server-side apply (test/server-side-apply.test.ts) needs a field manager to own fields.
    const apply = await call(cluster, "PATCH", `${DEPLOYMENTS}/patchy`, "spec: {}", {
      "content-type": "application/apply-patch+yaml",
    });
    expect(apply.status).toBe(400);
    expect(String(apply.body.message)).toContain("fieldManager");
  });

  it("reads and writes the scale subresource", async () => {
    await call(cluster, "POST", DEPLOYMENTS, deployment("scaly", 2));
    const scale = await call(cluster, "GET", `${DEPLOYMENTS}/scaly/scale`);
    expect(scale.body).toMatchObject({
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      spec: { replicas: 2 },
      status: { selector: "app=scaly" },
    });
    const patched = await call(
      cluster,
      "PATCH",
      `${DEPLOYMENTS}/scaly/scale`,
      { spec: { replicas: 4 } },
      { "content-type": "application/merge-patch+json" },
    );
    expect(field(patched.body, "spec", "replicas")).toBe(4);
    expect(
      field((await call(cluster, "GET", `${DEPLOYMENTS}/scaly`)).body, "spec", "replicas"),
    ).toBe(4);
  });

  it("does not persist anything with dryRun=All", async () => {
    const dry = await call(cluster, "POST", `${CM}?dryRun=All`, { metadata: { name: "dry" } });
    expect(dry.status).toBe(201);
    expect((await call(cluster, "GET", `${CM}/dry`)).status).toBe(404);
    await call(cluster, "POST", CM, { metadata: { name: "wet" }, data: { a: "1" } });
    await call(
      cluster,
      "PATCH",
      `${CM}/wet?dryRun=All`,
      { data: { a: "2" } },
      { "content-type": "application/merge-patch+json" },
    );
    await call(cluster, "DELETE", `${CM}/wet?dryRun=All`);
    expect(field((await call(cluster, "GET", `${CM}/wet`)).body, "data", "a")).toBe("1");
  });

  it("refuses content in a namespace that does not exist", async () => {
    const res = await call(cluster, "POST", "/api/v1/namespaces/ghost/configmaps", {
      metadata: { name: "x" },
    });
    expect(res.body).toMatchObject({ code: 404, message: 'namespaces "ghost" not found' });
  });
});
