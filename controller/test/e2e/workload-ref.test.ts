// A Rollout that takes its pod template from an existing Deployment (workloadRef, spec
// rollout-behavior.md §1.5): the Rollout runs the Deployment's template, records its
// generation, and scales the Deployment down as scaleDown says (never / onsuccess /
// progressively; revision 1 only). The Rollout's pods are held unready by a devcluster hook
// and released one at a time, so each intermediate Deployment size can be observed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RESOURCES } from "../../src/runtime/kube-resources.js";
import { type Harness, startHarness, waitFor, waitForRollout } from "./harness.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  h.startController();
});

afterAll(async () => {
  await h?.close();
});

const UNREADY = "devcluster.sluice.dev/unready";

function rec(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

/** A Deployment of 3 whose pods (and the Rollout's, which copy its template) stay unready. */
function deploymentAndRollout(name: string, scaleDown: string | undefined): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 3
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata:
      labels: {app: ${name}}
      annotations: {${UNREADY}: "true"}
    spec:
      containers: [{name: app, image: "registry.local/${name}:v1"}]
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: ${name}}
spec:
  replicas: 3
  workloadRef:
    apiVersion: apps/v1
    kind: Deployment
    name: ${name}${scaleDown === undefined ? "" : `\n    scaleDown: ${scaleDown}`}
  strategy:
    canary:
      steps: [{setWeight: 50}, {pause: {}}]
`;
}

async function deploymentReplicas(name: string): Promise<number | undefined> {
  const d = await h.client.get(RESOURCES.deployments, "default", name);
  const replicas = rec(d.spec).replicas;
  return typeof replicas === "number" ? replicas : undefined;
}

/** The Rollout's own pods (those with the rollouts-pod-template-hash label), by name. */
async function rolloutPods(name: string): Promise<string[]> {
  const list = await h.client.list(RESOURCES.pods, {
    namespace: "default",
    labelSelector: `app=${name},rollouts-pod-template-hash`,
  });
  return list.items.map((p) => p.metadata.name).sort();
}

async function picture(name: string): Promise<string> {
  const r = await h.rollout(name).catch(() => undefined);
  return JSON.stringify({
    deployment: await deploymentReplicas(name).catch(() => "?"),
    phase: rec(r?.status).phase,
    message: rec(r?.status).message,
    readyReplicas: rec(r?.status).readyReplicas,
  });
}

function waitForDeployment(name: string, replicas: number, what: string): Promise<true> {
  return waitFor(
    `${name}: ${what}`,
    async () => ((await deploymentReplicas(name)) === replicas ? true : undefined),
    () => picture(name),
    60_000,
  );
}

/** Starts the Rollout with its 3 pods unready; returns their names once all three exist. */
async function startWithUnreadyPods(name: string, scaleDown: string | undefined) {
  await h.apply(deploymentAndRollout(name, scaleDown));
  const pods = await waitFor(
    `${name}: 3 Rollout pods created from the Deployment's template`,
    async () => {
      const names = await rolloutPods(name);
      return names.length === 3 ? names : undefined;
    },
    () => picture(name),
    60_000,
  );
  // The Rollout runs the Deployment's pod template.
  const rs = await h.client.list(RESOURCES.replicaSets, {
    namespace: "default",
    labelSelector: `app=${name},rollouts-pod-template-hash`,
  });
  expect(rs.items).toHaveLength(1);
  const containers = rec(rec(rec(rs.items[0]?.spec).template).spec).containers;
  expect(JSON.stringify(containers)).toContain(`registry.local/${name}:v1`);
  return pods;
}

async function release(pod: string): Promise<void> {
  await h.kubectl("annotate", "pod", pod, `${UNREADY}-`);
}

async function expectWorkloadGenerationRecorded(name: string): Promise<void> {
  const deployment = await h.client.get(RESOURCES.deployments, "default", name);
  const generation = String(deployment.metadata.generation);
  await waitFor(
    `${name}: the Deployment's generation recorded on the Rollout`,
    async () => {
      const r = await h.rollout(name);
      return r.metadata.annotations?.["rollout.argoproj.io/workload-generation"] === generation &&
        rec(r.status).workloadObservedGeneration === generation
        ? true
        : undefined;
    },
    async () => JSON.stringify((await h.rollout(name)).metadata.annotations),
    60_000,
  );
}

describe("workloadRef to a Deployment", () => {
  it("scaleDown never (the default): the Rollout goes Healthy and the Deployment keeps its replicas", async () => {
    const name = "wl-never";
    const pods = await startWithUnreadyPods(name, undefined);
    for (const pod of pods) await release(pod);
    await waitForRollout(h, name, "Healthy", (v) => v.phase === "Healthy", [], 60_000);
    await expectWorkloadGenerationRecorded(name);
    // Healthy was written in a pass that also decided the Deployment's size: nothing scaled it.
    expect(await deploymentReplicas(name)).toBe(3);
  }, 120_000);

  it("scaleDown onsuccess: the Deployment keeps 3 replicas while the Rollout is not Healthy, then goes to 0", async () => {
    const name = "wl-onsuccess";
    const pods = await startWithUnreadyPods(name, "onsuccess");
    const [first, second, third] = pods;
    await release(first ?? "");
    await release(second ?? "");
    await waitFor(
      `${name}: 2 of 3 Rollout pods ready`,
      async () => {
        const r = await h.rollout(name);
        return rec(r.status).readyReplicas === 2 ? true : undefined;
      },
      () => picture(name),
      60_000,
    );
    expect(await deploymentReplicas(name)).toBe(3);
    await release(third ?? "");
    await waitForDeployment(name, 0, "Deployment scaled to 0 once Healthy");
    const view = await waitForRollout(h, name, "Healthy", (v) => v.phase === "Healthy", [], 60_000);
    expect(Object.values(view.replicas)).toEqual([3]);
    await expectWorkloadGenerationRecorded(name);
  }, 120_000);

  it("scaleDown progressively: the Deployment shrinks by one for each Rollout pod that becomes ready", async () => {
    const name = "wl-progressively";
    const pods = await startWithUnreadyPods(name, "progressively");
    // No Rollout pod ready yet: R − 0 = 3.
    expect(await deploymentReplicas(name)).toBe(3);
    let expected = 3;
    for (const pod of pods) {
      await release(pod);
      expected -= 1;
      await waitForDeployment(
        name,
        expected,
        `Deployment at ${expected} after ${pod} became ready`,
      );
    }
    await waitForRollout(h, name, "Healthy", (v) => v.phase === "Healthy", [], 60_000);
    expect(await deploymentReplicas(name)).toBe(0);
  }, 120_000);
});
