// NGINX header routes against devcluster (beyond the original, see README): setHeaderRoute
// as ingress-nginx canary-by-header annotations, their removal, RemoveManagedRoutes, and
// VerifyWeight NOT_IMPLEMENTED.
import { startTestCluster, type TestCluster } from "@sluice/router-common/testing";
import { type HeaderRoute, type JsonObject, toJsonBytes, WeightVerification } from "@sluice/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canaryBlock, ingress, meta, NS, nginxHarness, rule } from "./harness.js";

let env: TestCluster;
let h: ReturnType<typeof nginxHarness>;

beforeAll(async () => {
  env = await startTestCluster();
  h = nginxHarness(env);
});
afterAll(async () => env?.stop());

describe("header routes, VerifyWeight and RemoveManagedRoutes", () => {
  const hdrConfig = { stableIngress: "hdr-web" };
  let hdr: JsonObject;
  const exact: HeaderRoute = {
    name: "hdr",
    match: [{ headerName: "X-Canary", headerValue: { match: { $case: "exact", value: "yes" } } }],
  };

  beforeAll(async () => {
    hdr = await env.createRollout(
      NS,
      "hdr",
      canaryBlock({ nginx: hdrConfig, managedRoutes: [{ name: "hdr" }, { name: "other" }] }),
    );
    await h.createIngress(ingress("hdr-web", [rule("h.example.com", [["/", "shop-stable"]])]));
  });

  it("sets a header route as canary-by-header annotations and keeps the weight", async () => {
    expect(await h.setWeight(hdr, hdrConfig, 20)).toBeUndefined();
    expect(await h.headerRoute(hdr, hdrConfig, exact)).toBeUndefined();
    const canary = await h.getIngress("hdr-hdr-web-canary");
    expect(meta(canary).annotations).toEqual({
      "kubernetes.io/ingress.class": "nginx",
      "nginx.ingress.kubernetes.io/canary": "true",
      "nginx.ingress.kubernetes.io/canary-weight": "20",
      "nginx.ingress.kubernetes.io/canary-by-header": "X-Canary",
      "nginx.ingress.kubernetes.io/canary-by-header-value": "yes",
      "nginx.sluice.dev/header-route": "hdr",
    });
    // The route survives later SetWeight calls, and repeating the step writes nothing.
    expect(await h.setWeight(hdr, hdrConfig, 40)).toBeUndefined();
    const before = await h.getIngress("hdr-hdr-web-canary");
    expect(await h.headerRoute(hdr, hdrConfig, exact)).toBeUndefined();
    const after = await h.getIngress("hdr-hdr-web-canary");
    expect(meta(after).resourceVersion).toBe(meta(before).resourceVersion);
    expect(meta(after).annotations["nginx.ingress.kubernetes.io/canary-by-header-value"]).toBe(
      "yes",
    );
    expect(meta(after).annotations["nginx.ingress.kubernetes.io/canary-weight"]).toBe("40");
  });

  it("refuses what ingress-nginx cannot express, and a second route while one is set", async () => {
    const two: HeaderRoute = {
      name: "hdr",
      match: [
        { headerName: "X-Canary", headerValue: { match: { $case: "exact", value: "yes" } } },
        { headerName: "X-B", headerValue: { match: { $case: "exact", value: "1" } } },
      ],
    };
    expect(await h.headerRoute(hdr, hdrConfig, two)).toMatch(/has 2 matches/);
    expect(await h.headerRoute(hdr, hdrConfig, { ...exact, name: "other" })).toMatch(
      /already carries header route `hdr`/,
    );
    const mirror = await h.router.setMirrorRoute({
      rollout: toJsonBytes(hdr),
      config: toJsonBytes(hdrConfig),
      route: { name: "m", match: [{ headers: {} }] },
    });
    expect(mirror.error?.message).toMatch(/does not support mirror routes/);
  });

  it("replaces the condition, removes the route by name, and RemoveManagedRoutes clears it", async () => {
    const regex: HeaderRoute = {
      name: "hdr",
      match: [
        {
          headerName: "User-Agent",
          headerValue: { match: { $case: "regex", value: ".*Firefox.*" } },
        },
      ],
    };
    expect(await h.headerRoute(hdr, hdrConfig, regex)).toBeUndefined();
    let annotations = meta(await h.getIngress("hdr-hdr-web-canary")).annotations;
    expect(annotations["nginx.ingress.kubernetes.io/canary-by-header"]).toBe("User-Agent");
    expect(annotations["nginx.ingress.kubernetes.io/canary-by-header-pattern"]).toBe(".*Firefox.*");
    expect(annotations["nginx.ingress.kubernetes.io/canary-by-header-value"]).toBeUndefined();

    // A step with the same name and no match removes it.
    expect(await h.headerRoute(hdr, hdrConfig, { name: "hdr", match: [] })).toBeUndefined();
    annotations = meta(await h.getIngress("hdr-hdr-web-canary")).annotations;
    expect(Object.keys(annotations).filter((key) => key.includes("header"))).toEqual([]);

    const prefix: HeaderRoute = {
      name: "other",
      match: [
        { headerName: "X-Version", headerValue: { match: { $case: "prefix", value: "v2." } } },
      ],
    };
    expect(await h.headerRoute(hdr, hdrConfig, prefix)).toBeUndefined();
    annotations = meta(await h.getIngress("hdr-hdr-web-canary")).annotations;
    expect(annotations["nginx.ingress.kubernetes.io/canary-by-header-pattern"]).toBe("^v2\\..*");

    const removed = await h.router.removeManagedRoutes({
      rollout: toJsonBytes(hdr),
      config: toJsonBytes(hdrConfig),
    });
    expect(removed.error).toBeUndefined();
    const after = await h.getIngress("hdr-hdr-web-canary");
    expect(meta(after).annotations).toEqual({
      "kubernetes.io/ingress.class": "nginx",
      "nginx.ingress.kubernetes.io/canary": "true",
      "nginx.ingress.kubernetes.io/canary-weight": "40",
    });
    // Nothing left to remove: no write.
    await h.router.removeManagedRoutes({
      rollout: toJsonBytes(hdr),
      config: toJsonBytes(hdrConfig),
    });
    expect(meta(await h.getIngress("hdr-hdr-web-canary")).resourceVersion).toBe(
      meta(after).resourceVersion,
    );
  });

  it("answers VerifyWeight NOT_IMPLEMENTED", async () => {
    const reply = await h.router.verifyWeight({
      rollout: toJsonBytes(hdr),
      config: toJsonBytes(hdrConfig),
      desiredWeight: 40,
      additionalDestinations: [],
    });
    expect(reply.error).toBeUndefined();
    expect(reply.verification).toBe(WeightVerification.NOT_IMPLEMENTED);
  });
});
