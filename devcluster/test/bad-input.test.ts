import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevCluster, startTemporaryDevCluster } from "../src/index.js";
import { call } from "./helpers.js";

let cluster: DevCluster;
const CM = "/api/v1/namespaces/default/configmaps";

beforeAll(async () => {
  cluster = await startTemporaryDevCluster();
});
afterAll(async () => cluster.stop());

describe("bad input gets a 4xx Status, never a crash", () => {
  it("malformed JSON and YAML bodies", async () => {
    const json = await call(cluster, "POST", CM, "{not json");
    expect(json.status).toBe(400);
    expect(json.body).toMatchObject({ kind: "Status", reason: "BadRequest" });
    expect(String(json.body.message)).toContain("not valid JSON");
    const yaml = await call(cluster, "POST", CM, "metadata: [unclosed", {
      "content-type": "application/yaml",
    });
    expect(yaml.status).toBe(400);
    expect(String(yaml.body.message)).toContain("not valid YAML");
    expect((await call(cluster, "POST", CM, "[1,2]")).status).toBe(400);
    expect((await call(cluster, "POST", CM, "")).status).toBe(400);
    expect((await call(cluster, "POST", CM, { metadata: "nope" })).status).toBe(400);
    const protobuf = await call(cluster, "POST", CM, Buffer.from([1, 2, 3]), {
      "content-type": "application/vnd.kubernetes.protobuf",
    });
    expect(protobuf.status).toBe(400);
  });

  it("a kind or apiVersion that does not match the path", async () => {
    const kind = await call(cluster, "POST", CM, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "x" },
    });
    expect(kind.status).toBe(400);
    expect(String(kind.body.message)).toContain("does not match the expected kind (ConfigMap)");
    const version = await call(cluster, "POST", CM, {
      apiVersion: "apps/v1",
      kind: "ConfigMap",
      metadata: { name: "x" },
    });
    expect(version.status).toBe(400);
    expect((await call(cluster, "GET", "/api/v1/namespaces/default/widgets")).status).toBe(404);
    expect((await call(cluster, "GET", "/apis/nothing.example.com/v1")).status).toBe(404);
    expect((await call(cluster, "GET", "/api/v1/namespaces/default/nodes/x")).status).toBe(404);
    expect((await call(cluster, "GET", "/api/v1/namespaces/%E0%A4%A/configmaps")).status).toBe(400);
  });

  it("oversized bodies", async () => {
    const big = await call(cluster, "POST", CM, {
      metadata: { name: "big" },
      data: { blob: "x".repeat(4 * 1024 * 1024) },
    });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ kind: "Status", reason: "RequestEntityTooLarge" });
  });

  it("selectors and parameters that do not parse", async () => {
    for (const query of [
      "labelSelector=a%20in%20(b",
      "labelSelector=%3D%3Dx",
      "labelSelector=a%3D%3Db%3Dc",
      "fieldSelector=spec.unknown%3Dx",
      "fieldSelector=nonsense",
      "limit=-1",
      "watch=true&resourceVersion=abc",
    ]) {
      const res = await call(cluster, "GET", `${CM}?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.kind, query).toBe("Status");
    }
    expect(
      (await call(cluster, "PATCH", `${CM}/x`, { a: 1 }, { "content-type": "text/plain" })).status,
    ).toBeGreaterThanOrEqual(400);
  });

  it("keeps serving after all of the above", async () => {
    expect((await call(cluster, "POST", CM, { metadata: { name: "still-fine" } })).status).toBe(
      201,
    );
  });
});
