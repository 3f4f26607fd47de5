// restartAt (spec rollout-behavior.md §7.7): `restart` on a Healthy Rollout replaces every pod
// created before the requested time, evicting them a budget at a time so that no more than
// maxUnavailable pods are missing at once, and records status.restartedAt when done.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RESOURCES } from "../../src/runtime/kube-resources.js";
import { type Harness, startHarness, viewRollout, waitFor, waitForRollout } from "./harness.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  h.startController();
});

afterAll(async () => {
  await h?.close();
});

function rec(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

interface PodView {
  name: string;
  created: number;
  ready: boolean;
  deleting: boolean;
}

async function pods(app: string): Promise<PodView[]> {
  const list = await h.client.list(RESOURCES.pods, {
    namespace: "default",
    labelSelector: `app=${app}`,
  });
  return list.items.map((pod) => {
    const conditions = rec(pod.status).conditions;
    const ready =
      Array.isArray(conditions) &&
      conditions.some((c) => rec(c).type === "Ready" && rec(c).status === "True");
    return {
      name: pod.metadata.name,
      created: Date.parse(pod.metadata.creationTimestamp ?? ""),
      ready,
      deleting: pod.metadata.deletionTimestamp !== undefined,
    };
  });
}

function rollout(name: string, maxUnavailable: number): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: ${name}}
spec:
  replicas: 4
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata:
      labels: {app: ${name}}
      # Slow enough to readiness that a restart taking more than its budget would be seen.
      annotations: {devcluster.sluice.dev/ready-delay-ms: "400"}
    spec:
      containers: [{name: app, image: "registry.local/app:v1"}]
  strategy:
    canary:
      maxUnavailable: ${maxUnavailable}
      steps: [{setWeight: 50}, {pause: {}}]
`;
}

/**
 * Runs a restart and watches the pods meanwhile; returns the fewest ready pods seen. Fails
 * if status.restartedAt is not written once every old pod is gone.
 */
async function restartAndWatch(
  name: string,
): Promise<{ minReady: number; restartAt: string; timeline: string[] }> {
  const before = await pods(name);
  expect(before).toHaveLength(4);
  // creationTimestamp and restartAt have whole seconds: restart only once a second has
  // passed since the newest pod, so that every pod counts as older than restartAt.
  const newest = Math.max(...before.map((p) => p.created));
  await waitFor(
    "a second past the newest pod's creation",
    async () => (Date.now() >= newest + 1000 ? true : undefined),
    async () => `newest pod created at ${new Date(newest).toISOString()}`,
  );
  await h.action(name, { kind: "restart" });
  const restartAt = String(rec((await h.rollout(name)).spec).restartAt);
  const restartMillis = Date.parse(restartAt);
  expect(Number.isNaN(restartMillis)).toBe(false);
  let minReady = 4;
  // Each change of (ready, not ready, old) pods, for the failure message.
  const timeline: string[] = [];
  const started = Date.now();
  await waitFor(
    `${name}: every pod replaced and status.restartedAt = ${restartAt}`,
    async () => {
      const now = await pods(name);
      const ready = now.filter((p) => p.ready && !p.deleting).length;
      minReady = Math.min(minReady, ready);
      const old = now.filter((p) => p.created < restartMillis);
      const entry = `ready=${ready} unready=${now.length - ready} old=${old.length}`;
      if (!timeline.at(-1)?.endsWith(entry)) timeline.push(`+${Date.now() - started}ms ${entry}`);
      const status = rec((await h.rollout(name)).status);
      return old.length === 0 &&
        now.filter((p) => p.ready).length === 4 &&
        status.restartedAt === restartAt
        ? true
        : undefined;
    },
    async () =>
      JSON.stringify({
        restartedAt: rec((await h.rollout(name)).status).restartedAt,
        pods: await pods(name),
        view: await viewRollout(h, name),
      }),
    60_000,
  );
  // Every pod that ran before the restart was replaced.
  const after = new Set((await pods(name)).map((p) => p.name));
  expect(before.filter((p) => after.has(p.name))).toEqual([]);
  return { minReady, restartAt, timeline };
}

describe("restartAt", () => {
  it("replaces the pods of a Healthy rollout one at a time with maxUnavailable 1, and records restartedAt", async () => {
    const name = "restart-one";
    await h.apply(rollout(name, 1));
    const healthy = await waitForRollout(
      h,
      name,
      "Healthy",
      (v) => v.phase === "Healthy",
      [],
      60_000,
    );
    const { minReady, timeline } = await restartAndWatch(name);
    // maxUnavailable 1 of 4: never fewer than 3 ready pods.
    expect(minReady, timeline.join("\n")).toBeGreaterThanOrEqual(3);
    // A restart is not a new revision: same ReplicaSet, still Healthy.
    const after = await waitForRollout(
      h,
      name,
      "Healthy",
      (v) => v.phase === "Healthy",
      [],
      60_000,
    );
    expect(after.stableRS).toBe(healthy.stableRS);
    expect(Object.keys(after.replicas)).toEqual(Object.keys(healthy.replicas));
  }, 120_000);

  it("with maxUnavailable 2 it may take two pods at a time, never more", async () => {
    const name = "restart-two";
    await h.apply(rollout(name, 2));
    await waitForRollout(h, name, "Healthy", (v) => v.phase === "Healthy", [], 60_000);
    const { minReady, timeline } = await restartAndWatch(name);
    expect(minReady, timeline.join("\n")).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
