// Rollouts, Services and user actions for planner tests.

import type { BlueGreenStrategy, CanaryStrategy, Rollout, RolloutSpec } from "../../api/rollout.js";
import type { CanaryStep } from "../../api/rollout-steps.js";
import { POD_TEMPLATE_HASH_LABEL } from "../keys.js";
import type { ReplicaSetLike, ServiceLike } from "../observed.js";
import { type Cluster, isNoop, pass } from "./simulator.js";

export const START = new Date("2026-01-01T00:00:00Z");

function template(image: string) {
  return {
    metadata: { labels: { app: "web" } },
    spec: { containers: [{ name: "web", image }] },
  };
}

export function canaryRollout(
  replicas: number,
  canary: CanaryStrategy,
  extra: Partial<RolloutSpec> = {},
): Rollout {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web", namespace: "default", uid: "rollout-uid", generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web" } },
      template: template("web:1"),
      strategy: { canary },
      ...extra,
    },
  };
}

export function blueGreenRollout(
  replicas: number,
  blueGreen: BlueGreenStrategy,
  extra: Partial<RolloutSpec> = {},
): Rollout {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web", namespace: "default", uid: "rollout-uid", generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web" } },
      template: template("web:1"),
      strategy: { blueGreen },
      ...extra,
    },
  };
}

export function service(name: string): ServiceLike {
  return { metadata: { name, namespace: "default" }, spec: { selector: { app: "web" } } };
}

export function newCluster(rollout: Rollout, serviceNames: string[] = []): Cluster {
  return {
    rollout,
    replicaSets: [],
    services: Object.fromEntries(serviceNames.map((name) => [name, service(name)])),
    now: START,
  };
}

/** Runs passes until one changes nothing; fails if that takes more than `limit` passes. */
export function converge(cluster: Cluster, limit = 50): Cluster {
  let current = cluster;
  for (let i = 0; i < limit; i++) {
    const result = pass(current);
    const unchanged = isNoop(current, result.plan);
    current = result.cluster;
    if (unchanged) return current;
  }
  throw new Error(
    `rollout did not settle in ${limit} passes; last status ${JSON.stringify(current.rollout.status)}`,
  );
}

// ---- user actions, as the kubectl plugin patches them (spec §4.6, §4.7) ----

export function bump(cluster: Cluster, mutate: (rollout: Rollout) => void): Cluster {
  const rollout = structuredClone(cluster.rollout);
  mutate(rollout);
  rollout.metadata.generation = (rollout.metadata.generation ?? 1) + 1;
  return { ...cluster, rollout };
}

export function setImage(cluster: Cluster, image: string): Cluster {
  return bump(cluster, (rollout) => {
    const podSpec = (rollout.spec.template?.spec ?? { containers: [] }) as {
      containers: Array<{ image: string }>;
    };
    const containers = podSpec.containers;
    const first = containers[0];
    if (first !== undefined) first.image = image;
  });
}

export function setSteps(cluster: Cluster, steps: CanaryStep[]): Cluster {
  return bump(cluster, (rollout) => {
    if (rollout.spec.strategy.canary !== undefined) rollout.spec.strategy.canary.steps = steps;
  });
}

function patchStatus(
  cluster: Cluster,
  patch: (status: NonNullable<Rollout["status"]>) => void,
): Cluster {
  const rollout = structuredClone(cluster.rollout);
  const status = rollout.status ?? {};
  patch(status);
  rollout.status = status;
  return { ...cluster, rollout };
}

/** `promote`: clears pause conditions (and unpauses spec). */
export function promote(cluster: Cluster): Cluster {
  const unpaused =
    cluster.rollout.spec.paused === true
      ? bump(cluster, (r) => {
          r.spec.paused = false;
        })
      : cluster;
  return patchStatus(unpaused, (status) => {
    delete status.pauseConditions;
  });
}

export const promoteFull = (cluster: Cluster): Cluster =>
  patchStatus(cluster, (status) => {
    status.promoteFull = true;
  });

export const abort = (cluster: Cluster): Cluster =>
  patchStatus(cluster, (status) => {
    status.abort = true;
  });

export const retry = (cluster: Cluster): Cluster =>
  patchStatus(cluster, (status) => {
    status.abort = false;
  });

// ---- reading the cluster ----

export function rsByRevision(cluster: Cluster, revision: number): ReplicaSetLike | undefined {
  return cluster.replicaSets.find(
    (rs) => rs.metadata?.annotations?.["rollout.argoproj.io/revision"] === String(revision),
  );
}

/** spec.replicas of each RS by creation order: [RS1, RS2, ...]. */
export function sizes(cluster: Cluster): number[] {
  return [...cluster.replicaSets]
    .sort((a, b) =>
      String(a.metadata?.creationTimestamp).localeCompare(String(b.metadata?.creationTimestamp)),
    )
    .map((rs) => rs.spec?.replicas ?? 0);
}

export function hashOf(cluster: Cluster, index: number): string {
  const sorted = [...cluster.replicaSets].sort((a, b) =>
    String(a.metadata?.creationTimestamp).localeCompare(String(b.metadata?.creationTimestamp)),
  );
  return sorted[index]?.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] ?? "";
}

export function selectorOf(cluster: Cluster, serviceName: string): string | undefined {
  return cluster.services[serviceName]?.spec?.selector?.[POD_TEMPLATE_HASH_LABEL];
}
