// The NGINX router against devcluster: the canary Ingress before/after SetWeight as in
// spec/traffic-routers.md 2.1, idempotence, configuration and errors. header-route.test.ts
// covers header routes; executable.test.ts runs the built binary.
import { NetworkingV1Api, setHeaderOptions } from "@kubernetes/client-node";
import { startTestCluster, type TestCluster } from "@sluice/router-common/testing";
import type { JsonObject } from "@sluice/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canaryBlock, ingress, meta, NS, nginxHarness, rule } from "./harness.js";

let env: TestCluster;
let net: NetworkingV1Api;
let h: ReturnType<typeof nginxHarness>;
let shop: JsonObject;
const shopConfig = { stableIngress: "shop-web" };

beforeAll(async () => {
  env = await startTestCluster();
  net = env.kubeConfig.makeApiClient(NetworkingV1Api);
  h = nginxHarness(env);
  shop = await env.createRollout(NS, "shop", canaryBlock({ nginx: shopConfig }));
  // The stable Ingress of spec/traffic-routers.md 2.1, exactly as in its "before" example.
  await h.createIngress(ingress("shop-web", [rule("shop.example.com", [["/", "shop-stable"]])]));
});
afterAll(async () => env?.stop());

describe("SetWeight", () => {
  it("creates the canary Ingress of the spec's example, owned by the Rollout, and leaves the stable one alone", async () => {
    const stableBefore = await h.getIngress("shop-web");
    expect(await h.setWeight(shop, shopConfig, 30)).toBeUndefined();

    const canary = await h.getIngress("shop-shop-web-canary");
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
    expect(await h.getIngress("shop-web")).toEqual(stableBefore);
  });

  it("is idempotent: the same weight twice writes nothing; a new weight patches only the annotation", async () => {
    expect(await h.setWeight(shop, shopConfig, 30)).toBeUndefined();
    const first = await h.getIngress("shop-shop-web-canary");
    expect(await h.setWeight(shop, shopConfig, 30)).toBeUndefined();
    const second = await h.getIngress("shop-shop-web-canary");
    expect(meta(second).resourceVersion).toBe(meta(first).resourceVersion);
    expect(second).toEqual(first);

    expect(await h.setWeight(shop, shopConfig, 55)).toBeUndefined();
    const third = await h.getIngress("shop-shop-web-canary");
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
    expect(await h.setWeight(shop, shopConfig, 10)).toBeUndefined();
    const canary = await h.getIngress("shop-shop-web-canary");
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
    await h.createIngress(
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
    await h.createIngress(ingress("multi-b", [rule("b.example.com", [["/api", "shop-stable"]])]));
    expect(await h.setWeight(multi, config, 250)).toBeUndefined();

    const a = await h.getIngress("multi-multi-a-canary");
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
    const b = await h.getIngress("multi-multi-b-canary");
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
    await h.createIngress(ingress(stable, [rule("l.example.com", [["/", "shop-stable"]])]));
    expect(await h.setWeight(rollout, config, 5)).toBeUndefined();
    const name = `${`${long}-${stable}`.slice(0, 246)}-canary`;
    expect(name.length).toBe(253);
    expect(
      meta(await h.getIngress(name)).annotations["nginx.ingress.kubernetes.io/canary-weight"],
    ).toBe("5");
  });

  it("answers the spec's errors: stable Ingress missing, no rule with the stable backend, canary owned by someone else", async () => {
    const missing = { stableIngress: "nope" };
    expect(await h.setWeight(shop, missing, 30)).toMatch(
      /stable ingress `nope` not found in namespace default/,
    );

    await h.createIngress(ingress("unrelated", [rule("u.example.com", [["/", "other"]])]));
    expect(await h.setWeight(shop, { stableIngress: "unrelated" }, 30)).toMatch(
      /ingress `unrelated` has no rules using service shop-stable backend/,
    );

    await h.createIngress({
      ...ingress("shop-taken-canary", [rule("t.example.com", [["/", "x"]])]),
    });
    await h.createIngress(ingress("taken", [rule("t.example.com", [["/", "shop-stable"]])]));
    expect(await h.setWeight(shop, { stableIngress: "taken" }, 30)).toMatch(
      /canary ingress `shop-taken-canary` controlled by different object/,
    );
    // Nothing was written to the object someone else owns.
    expect(meta(await h.getIngress("shop-taken-canary")).annotations).toEqual({
      "kubernetes.io/ingress.class": "nginx",
    });
  });

  it("refuses invalid configuration and a Rollout without Services", async () => {
    expect(
      await h.setWeight(shop, { stableIngress: "shop-web", stableIngresses: ["shop-web"] }, 30),
    ).toMatch(/exactly one of stableIngress/);
    expect(await h.setWeight(shop, { stableIngres: "shop-web" }, 30)).toMatch(/unknown field/);
    const bare = { ...shop, spec: { strategy: { canary: {} } } };
    expect(await h.setWeight(bare, shopConfig, 30)).toMatch(
      /needs spec.strategy.canary.canaryService/,
    );
  });
});
