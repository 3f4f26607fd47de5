// The built executable (dist/main.js) as the controller runs it: the conformance kit against
// it, and a real call over a unix socket that writes the canary Ingress into devcluster.
// Build first (`npx tsc -b plugins/nginx`; `npm test` does it).
import { fileURLToPath } from "node:url";
import {
  runRouterConformance,
  startTestCluster,
  type TestCluster,
  withServingRouter,
} from "@sluice/router-common/testing";
import { type JsonObject, toJsonBytes } from "@sluice/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NGINX_PLUGIN_NAME } from "../src/index.js";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
let env: TestCluster;
// Generous: plugin start-up (node, the SDK, client-node) takes seconds on a loaded 2-core box.
const STARTUP_MS = 60_000;
const TEST_MS = 150_000;

function ingress(namespace: string, name: string, service: string): JsonObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace },
    spec: {
      rules: [
        {
          host: `${name}.example.com`,
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: service, port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

async function createIngress(namespace: string, body: JsonObject): Promise<void> {
  await env.custom.createNamespacedCustomObject({
    group: "networking.k8s.io",
    version: "v1",
    plural: "ingresses",
    namespace,
    body,
  });
}

function getIngress(namespace: string, name: string): Promise<unknown> {
  return env.custom.getNamespacedCustomObject({
    group: "networking.k8s.io",
    version: "v1",
    plural: "ingresses",
    namespace,
    name,
  });
}

beforeAll(async () => {
  env = await startTestCluster();
  // The kit's sample Rollout is conformance/conformance-web with stableService web-stable.
  await env.ensureNamespace("conformance");
  await createIngress("conformance", ingress("conformance", "conformance-web", "web-stable"));
});
afterAll(async () => env?.stop());

describe("sluice-plugin-nginx executable", () => {
  it(
    "passes the conformance kit",
    async () => {
      const { failed, ok } = await runRouterConformance(
        [process.execPath, main, "--kubeconfig", env.cluster.kubeconfigPath],
        { stableIngress: "conformance-web" },
        STARTUP_MS,
      );
      expect(failed).toEqual([]);
      expect(ok).toBe(true);
    },
    TEST_MS,
  );

  it(
    "serves on a unix socket and a SetWeight call creates the canary Ingress in the cluster",
    async () => {
      const rollout = await env.createRollout("default", "sock", {
        canaryService: "sock-canary",
        stableService: "sock-stable",
        trafficRouting: { nginx: { stableIngress: "sock-web" } },
      });
      await createIngress("default", ingress("default", "sock-web", "sock-stable"));
      const { exitCode, output } = await withServingRouter(
        main,
        ["--kubeconfig", env.cluster.kubeconfigPath],
        STARTUP_MS,
        async (client, init) => {
          expect(init.name).toBe(NGINX_PLUGIN_NAME);
          expect(init.error).toBeUndefined();
          const reply = await client.setWeight({
            rollout: toJsonBytes(rollout),
            config: toJsonBytes({ stableIngress: "sock-web" }),
            desiredWeight: 25,
          });
          expect(reply.error).toBeUndefined();
          const canary = (await getIngress("default", "sock-sock-web-canary")) as {
            metadata: { annotations: Record<string, string> };
          };
          const annotations = canary.metadata.annotations;
          expect(annotations["nginx.ingress.kubernetes.io/canary-weight"]).toBe("25");
        },
      );
      expect(exitCode, output).toBe(0);
    },
    TEST_MS,
  );
});
