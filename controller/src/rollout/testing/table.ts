// Table-driven walks through a rollout: each row is one pass (optionally preceded by a user
// action or the clock moving) and what a user would see after it.
import { expect } from "vitest";
import type { Plan } from "../plan-types.js";
import { hashOf, selectorOf, sizes } from "./fixtures.js";
import { type Availability, type Cluster, pass, routerCalls } from "./simulator.js";

export interface Row {
  /** Label used in failure messages (the spec's pass number). */
  label: string;
  /** Applied before the pass: a user action, the clock... */
  before?: (cluster: Cluster) => Cluster;
  /** spec.replicas of RS1, RS2, ... after the pass. */
  rs: number[];
  index?: number | null;
  phase: string;
  message?: string;
  /** Service name -> RS position (0 = RS1) it must select after the pass. */
  services?: Record<string, number>;
  stableRS?: number;
  /**
   * Traffic routing: the router calls of this pass, hashes written as RS1, RS2... (see
   * routerCalls), e.g. ["updateHash(RS2,RS1)", "setWeight(20)"].
   */
  calls?: string[];
  /** status.canary.weights [canary, stable] after the pass. */
  weights?: [number, number];
  /** Extra checks on the plan of this pass. */
  check?: (plan: Plan, cluster: Cluster) => void;
}

export function walk(start: Cluster, rows: Row[], availability?: Availability): Cluster {
  let cluster = start;
  for (const row of rows) {
    if (row.before !== undefined) cluster = row.before(cluster);
    const result = pass(cluster, availability === undefined ? {} : { availability });
    cluster = result.cluster;
    const status = cluster.rollout.status ?? {};
    const weights = status.canary?.weights;
    const seen = {
      ...(row.calls === undefined ? {} : { calls: namedCalls(cluster, routerCalls(result.plan)) }),
      ...(row.weights === undefined
        ? {}
        : {
            weights:
              weights === undefined ? undefined : [weights.canary.weight, weights.stable.weight],
          }),
      rs: sizes(cluster),
      ...(row.index === undefined ? {} : { index: status.currentStepIndex ?? null }),
      phase: status.phase,
      ...(row.message === undefined ? {} : { message: status.message }),
      ...(row.services === undefined
        ? {}
        : {
            services: Object.fromEntries(
              Object.keys(row.services).map((name) => [name, selectorOf(cluster, name)]),
            ),
          }),
      ...(row.stableRS === undefined ? {} : { stableRS: status.stableRS }),
    };
    const wanted = {
      ...(row.calls === undefined ? {} : { calls: row.calls }),
      ...(row.weights === undefined ? {} : { weights: row.weights }),
      rs: row.rs,
      ...(row.index === undefined ? {} : { index: row.index }),
      phase: row.phase,
      ...(row.message === undefined ? {} : { message: row.message }),
      ...(row.services === undefined
        ? {}
        : {
            services: Object.fromEntries(
              Object.entries(row.services).map(([name, position]) => [
                name,
                hashOf(cluster, position),
              ]),
            ),
          }),
      ...(row.stableRS === undefined ? {} : { stableRS: hashOf(cluster, row.stableRS) }),
    };
    expect(seen, `pass ${row.label}; actions ${JSON.stringify(result.plan.actions)}`).toEqual(
      wanted,
    );
    row.check?.(result.plan, cluster);
  }
  return cluster;
}

/** Replaces pod-template hashes in router calls by RS1, RS2... (creation order). */
export function namedCalls(cluster: Cluster, calls: string[]): string[] {
  const names = new Map<string, string>();
  for (let i = 0; i < cluster.replicaSets.length; i++) names.set(hashOf(cluster, i), `RS${i + 1}`);
  return calls.map((call) =>
    call.replace(
      /updateHash\(([^,]*),([^)]*)\)/,
      (_all, canary: string, stable: string) =>
        `updateHash(${names.get(canary) ?? canary},${names.get(stable) ?? stable})`,
    ),
  );
}
