// The NGINX router against devcluster: the canary Ingress before/after SetWeight as in
// spec/traffic-routers.md 2.1, header routes, RemoveManagedRoutes, idempotence and errors.
// The router runs in this process through the SDK's handlers (the same path the gRPC server
// takes: JSON bytes in, reply with an error out); executable.test.ts runs the built binary.
import { NetworkingV1Api, setHeaderOptions } from "@kubernetes/client-node";
import {
  createPluginLogger,
  type HeaderRoute,
  type JsonObject,
  toJsonBytes,
  trafficRouterHandlers,
  WeightVerification,
} from "@sluice/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNginxRouter } from "../src/index.js";
import { startTestCluster, type TestCluster } from "./cluster.js";

let env: TestCluster;
let net: NetworkingV1Api;
let router: ReturnType<typeof trafficRouterHandlers>;
const NS = "default";

function ingress(name: string, rules: unknown[], extra: JsonObject = {}): JsonObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace: NS, annotations: { "kubernetes.io/ingress.class": "nginx" } },
    spec: { rules, ...extra },
  };
}

function rule(host: string, paths: Array<[string, string]>): JsonObject {
  return {
    host,
    http: {
      paths: paths.map(([path, service]) => ({
        path,
        pathType: "Prefix",
        backend: { service: { name: service, port: { number: 80 } } },
      })),
    },
  };
}

async function createIngress(body: JsonObject): Promise<void> {
  await env.custom.createNamespacedCustomObject({
    group: "networking.k8s.io",
    version: "v1",
    plural: "ingresses",
    namespace: NS,
    body,
  });
}

async function getIngress(name: string): Promise<JsonObject> {
  const value: unknown = await env.custom.getNamespacedCustomObject({
    group: "networking.k8s.io",
    version: "v1",
    plural: "ingresses",
    namespace: NS,
    name,
  });
  return value as JsonObject;
}

interface MetaView {
  annotations: Record<string, string>;
  resourceVersion: string;
  labels?: Record<string, string>;
  ownerReferences?: unknown[];
}

/** The metadata of an object read back from devcluster (always present on a stored object). */
function meta(object: JsonObject): MetaView {
  return object.metadata as MetaView;
}

const canaryBlock = (trafficRouting: JsonObject): JsonObject => ({
  canaryService: "shop-canary",
  stableService: "shop-stable",
  trafficRouting,
  steps: [{ setWeight: 30 }, { pause: {} }],
});

async function setWeight(rollout: JsonObject, config: unknown, desiredWeight: number) {
  const reply = await router.setWeight({
    rollout: toJsonBytes(rollout),
    config: toJsonBytes(config),
    desiredWeight,
    additionalDestinations: [],
  });
  return reply.error?.message;
}

async function headerRoute(rollout: JsonObject, config: unknown, route: HeaderRoute) {
  const reply = await router.setHeaderRoute({
    rollout: toJsonBytes(rollout),
    config: toJsonBytes(config),
    route,
  });
  return reply.error?.message;
}

let shop: JsonObject;
const shopConfig = { stableIngress: "shop-web" };

beforeAll(async () => {
  env = await startTestCluster();
  net = env.kubeConfig.makeApiClient(NetworkingV1Api);
  router = trafficRouterHandlers(
    createNginxRouter(env.kubeConfig),
    createPluginLogger("test", { SLUICE_LOG_LEVEL: "silent" }),
  );
  shop = await env.createRollout(NS, "shop", canaryBlock({ nginx: shopConfig }));
  // The stable Ingress of spec/traffic-routers.md 2.1, exactly as in its "before" example.
  await createIngress(ingress("shop-web", [rule("shop.example.com", [["/", "shop-stable"]])]));
});
afterAll(async () => env?.stop());

describe("SetWeight", () => {
  it("creates the canary Ingress of the spec's example, owned by the Rollout, and leaves the stable one alone", async () => {
    const stableBefore = await getIngress("shop-web");
    expect(await setWeight(shop, shopConfig, 30)).toBeUndefined();

    const canary = await getIngress("shop-shop-web-canary");
    expect(meta(canary).annotations).toEqual({
      "kubernetes.io/ingress.class": "nginx",
      "nginx.ingress.kubernetes.io/canary": "true",
      "nginx.ingress.kubernetes.io/canary-weight": "30",
    });
    expect(meta(canary).ownerReferences).toEqual([
      {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Rollout",
        name: "shop",
        uid: (shop.metadata as { uid: string }).uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(canary.spec).toEqual({
      rules: [
        {
          host: "shop.example.com",
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: "shop-canary", port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    });
    expect(await getIngress("shop-web")).toEqual(stableBefore);
  });

  it("is idempotent: the same weight twice writes nothing; a new weight patches only the annotation", async () => {
    expect(await setWeight(shop, shopConfig, 30)).toBeUndefined();
    const first = await getIngress("shop-shop-web-canary");
    expect(await setWeight(shop, shopConfig, 30)).toBeUndefined();
    const second = await getIngress("shop-shop-web-canary");
    expect(meta(second).resourceVersion).toBe(meta(first).resourceVersion);
    expect(second).toEqual(first);

    expect(await setWeight(shop, shopConfig, 55)).toBeUndefined();
    const third = await getIngress("shop-shop-web-canary");
    expect(meta(third).resourceVersion).not.toBe(meta(first).resourceVersion);
    expect(meta(third).annotations["nginx.ingress.kubernetes.io/canary-weight"]).toBe("55");
    expect(third.spec).toEqual(first.spec);
  });

  it("keeps annotations and labels that others put on the canary Ingress", async () => {
    await net.patchNamespacedIngress(
      {
        name: "shop-shop-web-canary",
        namespace: NS,
        body: {
          metadata: { annotations: { "example.com/owner": "ops" }, labels: { team: "web" } },
        },
      },
      setHeaderOptions("Content-Type", "application/merge-patch+json"),
    );
    expect(await setWeight(shop, shopConfig, 10)).toBeUndefined();
    const canary = await getIngress("shop-shop-web-canary");
    expect(meta(canary).annotations["example.com/owner"]).toBe("ops");
    expect(meta(canary).annotations["nginx.ingress.kubernetes.io/canary-weight"]).toBe("10");
    expect(meta(canary).labels).toEqual({ team: "web" });
  });

  it("honours stableIngresses, annotationPrefix, additional and canary annotations, maxTrafficWeight, tls and class", async () => {
    const config = {
      stableIngresses: ["multi-a", "multi-b"],
      annotationPrefix: "custom.nginx.org",
      additionalIngressAnnotations: {
        "canary-by-header": "X-Canary",
        "custom.nginx.org/canary-by-cookie": "beta",
      },
      canaryIngressAnnotations: {
        "example.com/note": "canary",
        "custom.nginx.org/canary-by-cookie": "gamma",
      },
    };
    const multi = await env.createRollout(
      NS,
      "multi",
      canaryBlock({ nginx: config, maxTrafficWeight: 1000 }),
    );
    const tls = [{ hosts: ["a.example.com"], secretName: "a-tls" }];
    await createIngress(
      ingress(
        "multi-a",
        [
          // A rule with the stable service and another path: copied whole (the original's quirk).
          rule("a.example.com", [
            ["/", "shop-stable"],
            ["/static", "assets"],
          ]),
          // A rule without the stable service: left out.
          rule("other.example.com", [["/", "other"]]),
        ],
        { tls, ingressClassName: "nginx-internal" },
      ),
    );
    await createIngress(ingress("multi-b", [rule("b.example.com", [["/api", "shop-stable"]])]));
    expect(await setWeight(multi, config, 250)).toBeUndefined();

    const a = await getIngress("multi-multi-a-canary");
    expect(meta(a).annotations).toEqual({
      "kubernetes.io/ingress.class": "nginx",
      "custom.nginx.org/canary-by-header": "X-Canary",
      "custom.nginx.org/canary-by-cookie": "gamma",
      "example.com/note": "canary",
      "custom.nginx.org/canary": "true",
      "custom.nginx.org/canary-weight": "250",
      "custom.nginx.org/canary-weight-total": "1000",
    });
    expect(a.spec).toEqual({
      ingressClassName: "nginx-internal",
      tls,
      rules: [
        {
          host: "a.example.com",
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: "shop-canary", port: { number: 80 } } },
              },
              {
                path: "/static",
                pathType: "Prefix",
                backend: { service: { name: "assets", port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    });
    const b = await getIngress("multi-multi-b-canary");
    expect(meta(b).annotations["custom.nginx.org/canary-weight"]).toBe("250");
    expect(b.spec).toEqual({
      rules: [
        {
          host: "b.example.com",
          http: {
            paths: [
              {
                path: "/api",
                pathType: "Prefix",
                backend: { service: { name: "shop-canary", port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    });
  });

  it("cuts the name as the original does: <rollout>-<stableIngress> to 246 characters, then -canary", async () => {
    const long = "l".repeat(200);
    const stable = "s".repeat(100);
    const config = { stableIngress: stable };
    const rollout = await env.createRollout(NS, long, canaryBlock({ nginx: config }));
    await createIngress(ingress(stable, [rule("l.example.com", [["/", "shop-stable"]])]));
    expect(await setWeight(rollout, config, 5)).toBeUndefined();
    const name = `${`${long}-${stable}`.slice(0, 246)}-canary`;
    expect(name.length).toBe(253);
    expect(
      meta(await getIngress(name)).annotations["nginx.ingress.kubernetes.io/canary-weight"],
    ).toBe("5");
  });

  it("answers the spec's errors: stable Ingress missing, no rule with the stable backend, canary owned by someone else", async () => {
    const missing = { stableIngress: "nope" };
    expect(await setWeight(shop, missing, 30)).toMatch(
      /stable ingress `nope` not found in namespace default/,
    );

    await createIngress(ingress("unrelated", [rule("u.example.com", [["/", "other"]])]));
    expect(await setWeight(shop, { stableIngress: "unrelated" }, 30)).toMatch(
      /ingress `unrelated` has no rules using service shop-stable backend/,
    );

    await createIngress({
      ...ingress("shop-taken-canary", [rule("t.example.com", [["/", "x"]])]),
    });
    await createIngress(ingress("taken", [rule("t.example.com", [["/", "shop-stable"]])]));
    expect(await setWeight(shop, { stableIngress: "taken" }, 30)).toMatch(
      /canary ingress `shop-taken-canary` controlled by different object/,
    );
    // Nothing was written to the object someone else owns.
    expect(meta(await getIngress("shop-taken-canary")).annotations).toEqual({
      "kubernetes.io/ingress.class": "nginx",
    });
  });

  it("refuses invalid configuration and a Rollout without Services", async () => {
    expect(
      await setWeight(shop, { stableIngress: "shop-web", stableIngresses: ["shop-web"] }, 30),
    ).toMatch(/exactly one of stableIngress/);
    expect(await setWeight(shop, { stableIngres: "shop-web" }, 30)).toMatch(/unknown field/);
    const bare = { ...shop, spec: { strategy: { canary: {} } } };
    expect(await setWeight(bare, shopConfig, 30)).toMatch(
      /needs spec.strategy.canary.canaryService/,
    );
  });
});

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
    await createIngress(ingress("hdr-web", [rule("h.example.com", [["/", "shop-stable"]])]));
  });

  it("sets a header route as canary-by-header annotations and keeps the weight", async () => {
    expect(await setWeight(hdr, hdrConfig, 20)).toBeUndefined();
    expect(await headerRoute(hdr, hdrConfig, exact)).toBeUndefined();
    const canary = await getIngress("hdr-hdr-web-canary");
    expect(meta(canary).annotations).toEqual({
      "kubernetes.io/ingress.class": "nginx",
      "nginx.ingress.kubernetes.io/canary": "true",
      "nginx.ingress.kubernetes.io/canary-weight": "20",
      "nginx.ingress.kubernetes.io/canary-by-header": "X-Canary",
      "nginx.ingress.kubernetes.io/canary-by-header-value": "yes",
      "nginx.sluice.dev/header-route": "hdr",
    });
    // The route survives later SetWeight calls, and repeating the step writes nothing.
    expect(await setWeight(hdr, hdrConfig, 40)).toBeUndefined();
    const before = await getIngress("hdr-hdr-web-canary");
    expect(await headerRoute(hdr, hdrConfig, exact)).toBeUndefined();
    const after = await getIngress("hdr-hdr-web-canary");
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
    expect(await headerRoute(hdr, hdrConfig, two)).toMatch(/has 2 matches/);
    expect(await headerRoute(hdr, hdrConfig, { ...exact, name: "other" })).toMatch(
      /already carries header route `hdr`/,
    );
    const mirror = await router.setMirrorRoute({
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
    expect(await headerRoute(hdr, hdrConfig, regex)).toBeUndefined();
    let annotations = meta(await getIngress("hdr-hdr-web-canary")).annotations;
    expect(annotations["nginx.ingress.kubernetes.io/canary-by-header"]).toBe("User-Agent");
    expect(annotations["nginx.ingress.kubernetes.io/canary-by-header-pattern"]).toBe(".*Firefox.*");
    expect(annotations["nginx.ingress.kubernetes.io/canary-by-header-value"]).toBeUndefined();

    // A step with the same name and no match removes it.
    expect(await headerRoute(hdr, hdrConfig, { name: "hdr", match: [] })).toBeUndefined();
    annotations = meta(await getIngress("hdr-hdr-web-canary")).annotations;
    expect(Object.keys(annotations).filter((key) => key.includes("header"))).toEqual([]);

    const prefix: HeaderRoute = {
      name: "other",
      match: [
        { headerName: "X-Version", headerValue: { match: { $case: "prefix", value: "v2." } } },
      ],
    };
    expect(await headerRoute(hdr, hdrConfig, prefix)).toBeUndefined();
    annotations = meta(await getIngress("hdr-hdr-web-canary")).annotations;
    expect(annotations["nginx.ingress.kubernetes.io/canary-by-header-pattern"]).toBe("^v2\\..*");

    const removed = await router.removeManagedRoutes({
      rollout: toJsonBytes(hdr),
      config: toJsonBytes(hdrConfig),
    });
    expect(removed.error).toBeUndefined();
    const after = await getIngress("hdr-hdr-web-canary");
    expect(meta(after).annotations).toEqual({
      "kubernetes.io/ingress.class": "nginx",
      "nginx.ingress.kubernetes.io/canary": "true",
      "nginx.ingress.kubernetes.io/canary-weight": "40",
    });
    // Nothing left to remove: no write.
    await router.removeManagedRoutes({ rollout: toJsonBytes(hdr), config: toJsonBytes(hdrConfig) });
    expect(meta(await getIngress("hdr-hdr-web-canary")).resourceVersion).toBe(
      meta(after).resourceVersion,
    );
  });

  it("answers VerifyWeight NOT_IMPLEMENTED", async () => {
    const reply = await router.verifyWeight({
      rollout: toJsonBytes(hdr),
      config: toJsonBytes(hdrConfig),
      desiredWeight: 40,
      additionalDestinations: [],
    });
    expect(reply.error).toBeUndefined();
    expect(reply.verification).toBe(WeightVerification.NOT_IMPLEMENTED);
  });
});
