// The built executable (dist/main.js) as the controller runs it: the conformance kit against
// it, a real call over a unix socket that creates the TrafficSplit in devcluster, and a
// refused API version. Build first (`npx tsc -b plugins/smi`; `npm test` does it).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  runRouterConformance,
  startTestCluster,
  type TestCluster,
  withServingRouter,
} from "@sluice/router-common/testing";
import { toJsonBytes } from "@sluice/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SMI_PLUGIN_NAME } from "../src/index.js";
import { trafficSplitCrd } from "./crd.js";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
let env: TestCluster;
// Generous: plugin start-up (node, the SDK, client-node) takes seconds on a loaded 2-core box.
const STARTUP_MS = 60_000;
const TEST_MS = 150_000;

beforeAll(async () => {
  env = await startTestCluster([trafficSplitCrd]);
  await env.ensureNamespace("conformance");
});
afterAll(async () => env?.stop());

describe("sluice-plugin-smi executable", () => {
  it(
    "passes the conformance kit",
    async () => {
      const { failed, ok } = await runRouterConformance(
        [
          process.execPath,
          main,
          "--kubeconfig",
          env.cluster.kubeconfigPath,
          "--traffic-split-api-version",
          "v1alpha2",
        ],
        { rootService: "web-root" },
        STARTUP_MS,
      );
      expect(failed).toEqual([]);
      expect(ok).toBe(true);
    },
    TEST_MS,
  );

  it(
    "serves on a unix socket and a SetWeight call creates the TrafficSplit in the cluster",
    async () => {
      const rollout = await env.createRollout("default", "sock", {
        canaryService: "sock-canary",
        stableService: "sock-stable",
        trafficRouting: { smi: {} },
      });
      const args = [
        "--kubeconfig",
        env.cluster.kubeconfigPath,
        "--traffic-split-api-version=v1alpha3",
      ];
      const { exitCode, output } = await withServingRouter(
        main,
        args,
        STARTUP_MS,
        async (client, init) => {
          expect(init.name).toBe(SMI_PLUGIN_NAME);
          expect(init.error).toBeUndefined();
          const reply = await client.setWeight({
            rollout: toJsonBytes(rollout),
            config: toJsonBytes({}),
            desiredWeight: 25,
          });
          expect(reply.error).toBeUndefined();
          const split = (await env.custom.getNamespacedCustomObject({
            group: "split.smi-spec.io",
            version: "v1alpha3",
            plural: "trafficsplits",
            namespace: "default",
            name: "sock",
          })) as { apiVersion: string; spec: unknown };
          expect(split.apiVersion).toBe("split.smi-spec.io/v1alpha3");
          expect(split.spec).toEqual({
            service: "sock-stable",
            backends: [
              { service: "sock-canary", weight: 25 },
              { service: "sock-stable", weight: 75 },
            ],
          });
        },
      );
      expect(exitCode, output).toBe(0);
    },
    TEST_MS,
  );

  it(
    "refuses to start with an API version the spec does not list",
    async () => {
      const child = spawn(process.execPath, [main, "--traffic-split-api-version", "v1alpha4"], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString("utf8");
      });
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      expect(code).toBe(1);
      expect(stderr).toMatch(
        /unsupported TrafficSplit API version "v1alpha4"; use one of v1alpha1, v1alpha2, v1alpha3/,
      );
    },
    TEST_MS,
  );
});
