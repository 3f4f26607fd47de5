// Shared helpers of the cross-cutting planner tests.

import type { CanaryStrategy } from "../../api/rollout.js";
import type { CanaryStep } from "../../api/rollout-steps.js";
import { canaryRollout, converge, newCluster } from "./fixtures.js";
import { type Cluster, pass } from "./simulator.js";

export const services = { stableService: "stable", canaryService: "canary" };
export const STEPS: CanaryStep[] = [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }];

export function healthyCanary(
  replicas: number,
  canary: CanaryStrategy = { steps: STEPS, ...services },
  extra = {},
): Cluster {
  return converge(newCluster(canaryRollout(replicas, canary, extra), ["stable", "canary"]));
}

/** Passes until `done` holds; fails with the last status after `limit` passes. */
export function runUntil(
  cluster: Cluster,
  done: (cluster: Cluster) => boolean,
  limit = 30,
): Cluster {
  let current = cluster;
  for (let i = 0; i < limit; i++) {
    current = pass(current).cluster;
    if (done(current)) return current;
  }
  throw new Error(
    `condition not reached in ${limit} passes; last status ${JSON.stringify(current.rollout.status)}`,
  );
}

export const isPaused = (cluster: Cluster) => cluster.rollout.status?.phase === "Paused";

export function run(cluster: Cluster, passes: number): Cluster {
  let current = cluster;
  for (let i = 0; i < passes; i++) current = pass(current).cluster;
  return current;
}
