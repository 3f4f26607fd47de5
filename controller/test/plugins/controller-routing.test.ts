// sluice-controller as its own process with traffic routers as plugin processes registered in
// the argo-rollouts-config ConfigMap: the plan's router calls reach every router, a failing
// router holds the rollout with a status message naming it, and fixing the ConfigMap (no
// controller restart) lets the rollout finish.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RESOURCES } from "../../src/runtime/kube-resources.js";
import { type Harness, startHarness, waitFor, waitForRollout } from "../e2e/harness.js";
import { MEMORY_ROUTER, RECORDING_ROUTER } from "./support.js";

const CONFIG_NAMESPACE = "sluice-routing-test";
let h: Harness;
let dir: string;
let savedNamespace: string | undefined;

function configMap(recorderArgs: string[]): string {
  return `apiVersion: v1
kind: ConfigMap
metadata: {name: argo-rollouts-config, namespace: ${CONFIG_NAMESPACE}}
data:
  trafficRouterPlugins: |
    - name: example/memory-router
      location: file://${MEMORY_ROUTER}
    - name: test/recorder
      location: file://${RECORDING_ROUTER}
      args: ${JSON.stringify(["--name", "test/recorder", "--record", join(dir, "calls.jsonl"), ...recorderArgs])}
`;
}

const ROLLOUT = `apiVersion: v1
kind: Service
metadata: {name: web-canary}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: web-stable}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: "registry.local/web:v1"}]}
  strategy:
    canary:
      canaryService: web-canary
      stableService: web-stable
      trafficRouting:
        plugins:
          example/memory-router: {routeName: web}
          test/recorder: {}
      steps:
        - setWeight: 25
        - pause: {}
`;

function calls(): Array<Record<string, unknown>> {
  return readFileSync(join(dir, "calls.jsonl"), "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sluice-routing-"));
  writeFileSync(join(dir, "calls.jsonl"), "");
  h = await startHarness();
  await h.kubectl("create", "namespace", CONFIG_NAMESPACE);
  await h.apply(configMap([]));
  // The controller reads its registry from its own namespace (POD_NAMESPACE in a cluster).
  savedNamespace = process.env.POD_NAMESPACE;
  process.env.POD_NAMESPACE = CONFIG_NAMESPACE;
  h.startController();
});

afterAll(async () => {
  await h?.close();
  if (savedNamespace === undefined) delete process.env.POD_NAMESPACE;
  else process.env.POD_NAMESPACE = savedNamespace;
  rmSync(dir, { recursive: true, force: true });
});

describe("traffic routing through plugin processes", () => {
  it("sends the plan's router calls to every router, holds on a failing one, and resumes", async () => {
    const svc = ["web-canary", "web-stable"];
    await h.apply(ROLLOUT);
    await waitForRollout(
      h,
      "web",
      "Healthy at revision 1",
      (v) => v.phase === "Healthy",
      svc,
      60_000,
    );
    await h.action("web", { kind: "setImage", container: "app", image: "registry.local/web:v2" });
    const paused = await waitForRollout(
      h,
      "web",
      "paused at step 1",
      (v) => v.phase === "Paused" && v.stepIndex === 1,
      svc,
      60_000,
    );
    const weights = calls()
      .filter((c) => c.method === "setWeight")
      .map((c) => c.desiredWeight);
    expect(weights).toContain(25);
    expect(calls()).toContainEqual(
      expect.objectContaining({ method: "updateHash", canaryHash: paused.currentPodHash }),
    );

    // The recorder starts refusing SetWeight (a ConfigMap edit: no controller restart).
    await h.apply(configMap(["--fail", "setWeight"]));
    await h.action("web", { kind: "promote" });
    const held = await waitForRollout(
      h,
      "web",
      "a status message naming the failing plugin",
      (v) =>
        v.message?.includes(
          "plugin test/recorder: SetWeight failed: setWeight refused by the test",
        ) === true,
      svc,
      60_000,
    );
    expect(held.phase).not.toBe("Healthy");
    const events = await h.client.list(RESOURCES.events, { namespace: "default" });
    expect(events.items.map((e) => `${e.reason}: ${e.message}`)).toContainEqual(
      expect.stringMatching(/^TrafficRoutingError: plugin test\/recorder: SetWeight failed/),
    );

    // Fixed: the rollout goes on and finishes.
    await h.apply(configMap([]));
    await waitForRollout(
      h,
      "web",
      "Healthy at revision 2",
      (v) => v.phase === "Healthy" && v.stableRS === paused.currentPodHash,
      svc,
      90_000,
    );

    // Stopping the controller stops its plugin processes: none is left behind.
    const plugins = (): string[] =>
      execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" })
        .split("\n")
        .filter((line) => line.includes(dir) || line.includes(MEMORY_ROUTER));
    expect(plugins().some((line) => line.includes(dir))).toBe(true);
    await h.stopController();
    await waitFor(
      "no plugin process after the controller stopped",
      async () => (plugins().some((line) => line.includes(dir)) ? undefined : true),
      async () => plugins().join("; "),
      15_000,
    );
  }, 300_000);
});
