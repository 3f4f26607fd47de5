import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningHttpServer, startHttpServer } from "./http-server.js";
import { ControllerMetrics } from "./metrics.js";

describe("http server", () => {
  let server: RunningHttpServer;
  let synced = false;
  const metrics = new ControllerMetrics({ defaultMetrics: false });

  beforeAll(async () => {
    server = await startHttpServer({
      port: 0,
      host: "127.0.0.1",
      metrics,
      readiness: () =>
        synced ? { ok: true } : { ok: false, reason: "informer caches not synced" },
    });
  });

  afterAll(async () => {
    await server.close();
  });

  const get = (path: string, method = "GET"): Promise<Response> =>
    fetch(`http://127.0.0.1:${server.port}${path}`, { method });

  it("answers /healthz while the process runs", async () => {
    const res = await get("/healthz");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok\n");
  });

  it("reports not ready until the caches have synced, then ready", async () => {
    let res = await get("/readyz");
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("informer caches not synced");
    synced = true;
    res = await get("/readyz");
    expect(res.status).toBe(200);
  });

  it("serves Prometheus metrics", async () => {
    metrics.rolloutReconcileFailed("shop", "web");
    const res = await get("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(await res.text()).toContain('rollout_reconcile_error{namespace="shop",name="web"} 1');
  });

  it("answers 404 for unknown paths and 405 for writes", async () => {
    expect((await get("/nope")).status).toBe(404);
    expect((await get("/metrics", "POST")).status).toBe(405);
  });
});
