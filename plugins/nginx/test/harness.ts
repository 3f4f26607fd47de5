// Shared by the NGINX devcluster tests: Ingress builders, reads, and the router driven
// in-process through the SDK's handlers (JSON bytes in, a reply with an error out: the same
// path the gRPC server takes).
import type { TestCluster } from "@sluice/router-common/testing";
import {
  createPluginLogger,
  type HeaderRoute,
  type JsonObject,
  toJsonBytes,
  trafficRouterHandlers,
} from "@sluice/sdk";
import { createNginxRouter } from "../src/index.js";

export const NS = "default";

export function ingress(name: string, rules: unknown[], extra: JsonObject = {}): JsonObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace: NS, annotations: { "kubernetes.io/ingress.class": "nginx" } },
    spec: { rules, ...extra },
  };
}

export function rule(host: string, paths: Array<[string, string]>): JsonObject {
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

export interface MetaView {
  annotations: Record<string, string>;
  resourceVersion: string;
  labels?: Record<string, string>;
  ownerReferences?: unknown[];
}

/** The metadata of an object read back from devcluster (always present on a stored object). */
export function meta(object: JsonObject): MetaView {
  return object.metadata as MetaView;
}

export const canaryBlock = (trafficRouting: JsonObject): JsonObject => ({
  canaryService: "shop-canary",
  stableService: "shop-stable",
  trafficRouting,
  steps: [{ setWeight: 30 }, { pause: {} }],
});

export function nginxHarness(env: TestCluster) {
  const router = trafficRouterHandlers(
    createNginxRouter(env.kubeConfig),
    createPluginLogger("test", { SLUICE_LOG_LEVEL: "silent" }),
  );
  const ingresses = { group: "networking.k8s.io", version: "v1", plural: "ingresses" };
  return {
    router,
    async createIngress(body: JsonObject): Promise<void> {
      await env.custom.createNamespacedCustomObject({ ...ingresses, namespace: NS, body });
    },
    async getIngress(name: string): Promise<JsonObject> {
      const value: unknown = await env.custom.getNamespacedCustomObject({
        ...ingresses,
        namespace: NS,
        name,
      });
      return value as JsonObject;
    },
    /** SetWeight; resolves with the reply's error message (undefined on success). */
    async setWeight(rollout: JsonObject, config: unknown, desiredWeight: number) {
      const reply = await router.setWeight({
        rollout: toJsonBytes(rollout),
        config: toJsonBytes(config),
        desiredWeight,
        additionalDestinations: [],
      });
      return reply.error?.message;
    },
    async headerRoute(rollout: JsonObject, config: unknown, route: HeaderRoute) {
      const reply = await router.setHeaderRoute({
        rollout: toJsonBytes(rollout),
        config: toJsonBytes(config),
        route,
      });
      return reply.error?.message;
    },
  };
}
