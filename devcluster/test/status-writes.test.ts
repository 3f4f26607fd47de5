import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, field, startTestCluster, type TestCluster, waitFor } from "./helpers.js";

// Status writes to a custom resource whose CRD types its status: what the status subresource
// keeps, prunes, defaults and refuses, whichever way the write arrives.
const CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "gadgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: { plural: "gadgets", singular: "gadget", kind: "Gadget", listKind: "GadgetList" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: { type: "object", properties: { size: { type: "integer" } } },
              status: {
                type: "object",
                properties: {
                  phase: { type: "string", default: "Pending" },
                  count: { type: "integer" },
                  history: {
                    type: "array",
                    items: { type: "object", properties: { at: { type: "string" } } },
                  },
                },
              },
            },
          },
        },
      },
    ],
  },
};
const GADGETS = "/apis/example.com/v1/namespaces/default/gadgets";
const MERGE = { "content-type": "application/merge-patch+json" };
const JSON_PATCH = { "content-type": "application/json-patch+json" };

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster();
  const crd = await call(
    cluster,
    "POST",
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
    CRD,
  );
  expect(crd.status).toBe(201);
  await waitFor("the Gadget resource to be served", async () =>
    (await call(cluster, "GET", GADGETS)).status === 200 ? true : undefined,
  );
});
afterAll(async () => {
  await cluster?.cleanup();
});

/** A PATCH to the status subresource of gadget `name`. */
function patchStatus(name: string, body: unknown, headers: Record<string, string> = MERGE) {
  return call(cluster, "PATCH", `${GADGETS}/${name}/status`, body, headers);
}

async function gadget(name: string): Promise<Record<string, unknown>> {
  const created = await call(cluster, "POST", GADGETS, {
    apiVersion: "example.com/v1",
    kind: "Gadget",
    metadata: { name },
    spec: { size: 1 },
  });
  expect(created.status).toBe(201);
  return created.body;
}

describe("status writes to a custom resource", () => {
  it("a status merge patch prunes unknown fields, applies defaults and leaves spec alone", async () => {
    await gadget("merge");
    const res = await patchStatus("merge", {
      status: { count: 3, bogus: true, history: [{ at: "1", extra: "x" }] },
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toEqual({ phase: "Pending", count: 3, history: [{ at: "1" }] });
    expect(field(res.body, "spec", "size")).toBe(1);
    expect(field(res.body, "metadata", "generation")).toBe(1);
    const stored = await call(cluster, "GET", `${GADGETS}/merge`);
    expect(stored.body.status).toEqual(res.body.status);
  });

  it("refuses a status of the wrong type with a 422 under status, and keeps the old one", async () => {
    await gadget("invalid");
    await patchStatus("invalid", { status: { count: 1 } });
    const res = await patchStatus("invalid", { status: { count: "many" } });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toContain("status.count");
    const stored = await call(cluster, "GET", `${GADGETS}/invalid`);
    expect(field(stored.body, "status", "count")).toBe(1);
  });

  it("ignores what a status patch says about spec or labels, whatever the patch type", async () => {
    await gadget("mixed");
    const merged = await patchStatus("mixed", {
      spec: { size: 9 },
      metadata: { labels: { a: "b" } },
      status: { count: 2 },
    });
    expect(merged.status).toBe(200);
    expect(field(merged.body, "spec", "size")).toBe(1);
    expect(field(merged.body, "metadata", "labels")).toBeUndefined();
    expect(field(merged.body, "status", "count")).toBe(2);
    const patched = await patchStatus(
      "mixed",
      [
        { op: "replace", path: "/spec/size", value: 7 },
        { op: "add", path: "/status/count", value: 4 },
      ],
      JSON_PATCH,
    );
    expect(patched.status).toBe(200);
    expect(field(patched.body, "spec", "size")).toBe(1);
    expect(field(patched.body, "status", "count")).toBe(4);
  });

  it("status merge patches merge into the stored status, replace lists and drop nulls", async () => {
    await gadget("merging");
    const first = await patchStatus("merging", { status: { count: 1, history: [{ at: "a" }] } });
    expect(first.body.status).toEqual({ phase: "Pending", count: 1, history: [{ at: "a" }] });
    const second = await patchStatus("merging", {
      status: { history: [{ at: "b" }], count: null },
    });
    expect(second.body.status).toEqual({ phase: "Pending", history: [{ at: "b" }] });
    const third = await patchStatus("merging", { status: { phase: "Done" } });
    expect(third.body.status).toEqual({ phase: "Done", history: [{ at: "b" }] });
    expect(field(third.body, "spec", "size")).toBe(1);
    // Each version as it was written, replayed from the first one's resourceVersion: a later
    // write changed none of the earlier ones.
    const since = String(field(first.body, "metadata", "resourceVersion"));
    const replay = await call(
      cluster,
      "GET",
      `${GADGETS}?watch=true&resourceVersion=${since}&fieldSelector=metadata.name%3Dmerging&timeoutSeconds=1`,
    );
    const statuses = String(replay.text)
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => (JSON.parse(line) as { object: { status: unknown } }).object.status);
    expect(statuses).toEqual([second.body.status, third.body.status]);
  });

  it("a status patch that changes nothing keeps the resourceVersion", async () => {
    await gadget("same");
    const first = await patchStatus("same", { status: { count: 5 } });
    const again = await patchStatus("same", { status: { count: 5 } });
    expect(again.status).toBe(200);
    expect(field(again.body, "metadata", "resourceVersion")).toBe(
      field(first.body, "metadata", "resourceVersion"),
    );
  });
});
