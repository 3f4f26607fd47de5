// The SMI router against devcluster: the TrafficSplit of spec/traffic-routers.md 2.4 in each
// API version (v1alpha1 weights as quantity strings, v1alpha2/v1alpha3 as integers),
// rootService / trafficSplitName, additional destinations, idempotence and errors. The router
// runs in this process through the SDK's handlers (JSON bytes in, reply out).
import { setHeaderOptions } from "@kubernetes/client-node";
import { startTestCluster, type TestCluster } from "@sluice/router-common/testing";
import {
  createPluginLogger,
  type JsonObject,
  toJsonBytes,
  trafficRouterHandlers,
  WeightVerification,
} from "@sluice/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSmiRouter, SMI_API_VERSIONS, type SmiApiVersion } from "../src/index.js";
import { trafficSplitCrd } from "./crd.js";

let env: TestCluster;
const NS = "default";
const logger = createPluginLogger("test", { SLUICE_LOG_LEVEL: "silent" });

function routerFor(version: SmiApiVersion) {
  return trafficRouterHandlers(createSmiRouter(env.kubeConfig, version), logger);
}

async function getSplit(version: SmiApiVersion, name: string): Promise<JsonObject> {
  const value: unknown = await env.custom.getNamespacedCustomObject({
    group: "split.smi-spec.io",
    version,
    plural: "trafficsplits",
    namespace: NS,
    name,
  });
  return value as JsonObject;
}

function rv(object: JsonObject): string {
  return (object.metadata as { resourceVersion: string }).resourceVersion;
}

const canary = (smi: JsonObject): JsonObject => ({
  canaryService: "web-canary",
  stableService: "web-stable",
  trafficRouting: { smi },
  steps: [{ setWeight: 30 }, { pause: {} }],
});

async function setWeight(
  version: SmiApiVersion,
  rollout: JsonObject,
  config: unknown,
  desiredWeight: number,
  additionalDestinations: Array<{
    serviceName: string;
    podTemplateHash: string;
    weight: number;
  }> = [],
) {
  const reply = await routerFor(version).setWeight({
    rollout: toJsonBytes(rollout),
    config: toJsonBytes(config),
    desiredWeight,
    additionalDestinations,
  });
  return reply.error?.message;
}

beforeAll(async () => {
  env = await startTestCluster([trafficSplitCrd]);
});
afterAll(async () => env?.stop());

describe.each(SMI_API_VERSIONS)("TrafficSplit %s", (version) => {
  const weight = (value: number) => (version === "v1alpha1" ? String(value) : value);

  it("is created by the first SetWeight as in the spec's example, then patched to the new weight", async () => {
    const name = `web-${version}`;
    const rollout = await env.createRollout(NS, name, canary({ rootService: "web-root" }));
    const uid = (rollout.metadata as { uid: string }).uid;

    expect(await setWeight(version, rollout, { rootService: "web-root" }, 0)).toBeUndefined();
    const created = await getSplit(version, name);
    expect(created.apiVersion).toBe(`split.smi-spec.io/${version}`);
    expect(created.kind).toBe("TrafficSplit");
    expect((created.metadata as JsonObject).ownerReferences).toEqual([
      {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Rollout",
        name,
        uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(created.spec).toEqual({
      service: "web-root",
      backends: [
        { service: "web-canary", weight: weight(0) },
        { service: "web-stable", weight: weight(100) },
      ],
    });

    expect(await setWeight(version, rollout, { rootService: "web-root" }, 30)).toBeUndefined();
    const after = await getSplit(version, name);
    expect(after.spec).toEqual({
      service: "web-root",
      backends: [
        { service: "web-canary", weight: weight(30) },
        { service: "web-stable", weight: weight(70) },
      ],
    });
    expect(rv(after)).not.toBe(rv(created));

    // Same call again: no write.
    expect(await setWeight(version, rollout, { rootService: "web-root" }, 30)).toBeUndefined();
    expect(rv(await getSplit(version, name))).toBe(rv(after));
  });
});

describe("SMI router", () => {
  it("uses trafficSplitName, defaults the root service to stableService, and puts additional destinations between canary and stable", async () => {
    const config = { trafficSplitName: "shop-split" };
    const rollout = await env.createRollout(NS, "shop", canary(config));
    const extra = [
      { serviceName: "shop-exp-a", podTemplateHash: "6d8c7b5f4", weight: 10 },
      { serviceName: "shop-exp-b", podTemplateHash: "5c7d9f8b6", weight: 5 },
    ];
    expect(await setWeight("v1alpha2", rollout, config, 20, extra)).toBeUndefined();
    const split = await getSplit("v1alpha2", "shop-split");
    expect(split.spec).toEqual({
      service: "web-stable",
      backends: [
        { service: "web-canary", weight: 20 },
        { service: "shop-exp-a", weight: 10 },
        { service: "shop-exp-b", weight: 5 },
        { service: "web-stable", weight: 65 },
      ],
    });
    // The experiment ends: its backends go, stable gets the weight back.
    expect(await setWeight("v1alpha2", rollout, config, 20)).toBeUndefined();
    expect((await getSplit("v1alpha2", "shop-split")).spec).toEqual({
      service: "web-stable",
      backends: [
        { service: "web-canary", weight: 20 },
        { service: "web-stable", weight: 80 },
      ],
    });
  });

  it("keeps v1alpha3 matches it did not set", async () => {
    const rollout = await env.createRollout(NS, "matched", canary({}));
    expect(await setWeight("v1alpha3", rollout, {}, 0)).toBeUndefined();
    const matches = [{ kind: "HTTPRouteGroup", name: "api-routes" }];
    await env.custom.patchNamespacedCustomObject(
      {
        group: "split.smi-spec.io",
        version: "v1alpha3",
        plural: "trafficsplits",
        namespace: NS,
        name: "matched",
        body: { spec: { matches } },
      },
      setHeaderOptions("Content-Type", "application/merge-patch+json"),
    );
    expect(await setWeight("v1alpha3", rollout, {}, 40)).toBeUndefined();
    const split = await getSplit("v1alpha3", "matched");
    expect(split.spec).toEqual({
      service: "web-stable",
      matches,
      backends: [
        { service: "web-canary", weight: 40 },
        { service: "web-stable", weight: 60 },
      ],
    });
  });

  it("refuses a TrafficSplit it does not own, a Rollout without Services, and bad config", async () => {
    await env.custom.createNamespacedCustomObject({
      group: "split.smi-spec.io",
      version: "v1alpha2",
      plural: "trafficsplits",
      namespace: NS,
      body: {
        apiVersion: "split.smi-spec.io/v1alpha2",
        kind: "TrafficSplit",
        metadata: { name: "foreign" },
        spec: { service: "x", backends: [{ service: "x", weight: 100 }] },
      },
    });
    const rollout = await env.createRollout(
      NS,
      "intruder",
      canary({ trafficSplitName: "foreign" }),
    );
    expect(await setWeight("v1alpha2", rollout, { trafficSplitName: "foreign" }, 30)).toMatch(
      /Rollout does not own TrafficSplit `foreign`/,
    );
    expect((await getSplit("v1alpha2", "foreign")).spec).toEqual({
      service: "x",
      backends: [{ service: "x", weight: 100 }],
    });

    const bare = { ...rollout, spec: { strategy: { canary: { canaryService: "c" } } } };
    expect(await setWeight("v1alpha2", bare, {}, 30)).toMatch(
      /needs spec.strategy.canary.canaryService and stableService/,
    );
    expect(await setWeight("v1alpha2", rollout, { rootservice: "typo" }, 30)).toMatch(
      /unknown field\(s\) rootservice/,
    );
    expect(
      await setWeight("v1alpha2", rollout, {}, 80, [
        { serviceName: "exp", podTemplateHash: "h", weight: 30 },
      ]),
    ).toMatch(/exceed 100/);
  });

  it("declines header and mirror routes, answers VerifyWeight NOT_IMPLEMENTED and RemoveManagedRoutes as a no-op", async () => {
    const router = routerFor("v1alpha1");
    const rollout = await env.createRollout(NS, "noop", canary({}));
    const request = { rollout: toJsonBytes(rollout), config: toJsonBytes({}) };
    const header = await router.setHeaderRoute({
      ...request,
      route: {
        name: "hdr",
        match: [{ headerName: "X", headerValue: { match: { $case: "exact", value: "1" } } }],
      },
    });
    expect(header.error?.message).toMatch(/does not support header routes/);
    const mirror = await router.setMirrorRoute({
      ...request,
      route: { name: "m", match: [{ headers: {} }], percentage: 10 },
    });
    expect(mirror.error?.message).toMatch(/does not support mirror routes/);
    const verify = await router.verifyWeight({
      ...request,
      desiredWeight: 30,
      additionalDestinations: [],
    });
    expect(verify.verification).toBe(WeightVerification.NOT_IMPLEMENTED);
    expect((await router.removeManagedRoutes(request)).error).toBeUndefined();
  });
});
