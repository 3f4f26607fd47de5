// `undo` in the middle of a canary (spec/rollout-behavior.md §4.9, §4.10, §7.1, §7.2).
//
// The API server defaults every ReplicaSet's pod template (imagePullPolicy, dnsPolicy...), and
// `undo` copies that defaulted template back into spec.template. Its hash is then not the
// label of the revision-1 RS, which is found by semantic equality instead (§3.1 step 2): the
// planner must go on with that RS's own hash, or the Rollout never sees it is back on stable.
import { describe, expect, it } from "vitest";
import { restoredTemplate } from "../actions/undo.js";
import type { PodTemplateSpec } from "../api/common.js";
import type { CanaryStrategy } from "../api/rollout.js";
import {
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
} from "./keys.js";
import type { ReplicaSetLike } from "./observed.js";
import { podTemplateHash } from "./replicasets.js";
import { bump, converge, hashOf, rsByRevision, setImage } from "./testing/fixtures.js";
import { healthyCanary, isPaused, runUntil, STEPS, services } from "./testing/helpers.js";
import type { Cluster } from "./testing/simulator.js";
import { walk } from "./testing/table.js";

/** What the API server stores for a ReplicaSet: its pod template with the defaults filled in. */
function withApiServerDefaults(cluster: Cluster): Cluster {
  const defaulted = (rs: ReplicaSetLike): ReplicaSetLike => {
    const copy = structuredClone(rs);
    const spec = copy.spec?.template?.spec as
      | { containers?: Array<Record<string, unknown>>; [key: string]: unknown }
      | undefined;
    if (spec === undefined) return copy;
    spec.restartPolicy ??= "Always";
    spec.dnsPolicy ??= "ClusterFirst";
    spec.terminationGracePeriodSeconds ??= 30;
    for (const container of spec.containers ?? []) {
      container.imagePullPolicy ??= "IfNotPresent";
      container.terminationMessagePath ??= "/dev/termination-log";
    }
    return copy;
  };
  return { ...cluster, replicaSets: cluster.replicaSets.map(defaulted) };
}

/** The `undo` action: revision 1's stored template goes back into spec.template. */
function undoToRevision1(cluster: Cluster): Cluster {
  const rs1 = rsByRevision(cluster, 1);
  if (rs1?.spec?.template === undefined) throw new Error("no revision 1 ReplicaSet to undo to");
  const template = restoredTemplate({
    name: rs1.metadata?.name ?? "",
    revision: 1,
    template: rs1.spec.template as PodTemplateSpec,
    annotations: rs1.metadata?.annotations ?? {},
  });
  return bump(cluster, (rollout) => {
    rollout.spec.template = template;
  });
}

describe("undo in the middle of a canary (spec §4.9, §4.10)", () => {
  it("goes back to the stable RS with its own hash, skips the steps and reaches Healthy", () => {
    const canary: CanaryStrategy = { steps: STEPS, ...services };
    let cluster = withApiServerDefaults(healthyCanary(5, canary));
    cluster = runUntil(withApiServerDefaults(setImage(cluster, "web:2")), isPaused);
    cluster = withApiServerDefaults(cluster);
    expect(cluster.rollout.status?.currentStepIndex).toBe(1);
    const stableHash = hashOf(cluster, 0);
    const canaryHash = hashOf(cluster, 1);
    expect(cluster.rollout.status?.stableRS).toBe(stableHash);

    cluster = undoToRevision1(cluster);
    // The observed state of the bug report: the restored template hashes differently.
    expect(podTemplateHash(cluster.rollout.spec.template, undefined)).not.toBe(stableHash);

    cluster = walk(cluster, [
      {
        label: "1 (template changed back to the stable RS: status reset, steps skipped)",
        rs: [4, 1],
        index: STEPS.length,
        phase: "Progressing",
        stableRS: 0,
        check: (planned, after) => {
          expect(after.rollout.status?.currentPodHash).toBe(stableHash);
          expect(planned.events.map((e) => e.reason)).toContain("SkipSteps");
          expect(planned.actions.some((a) => a.kind === "createReplicaSet")).toBe(false);
        },
      },
    ]);
    const done = converge(cluster);
    const status = done.rollout.status ?? {};
    expect(status.phase).toBe("Healthy");
    expect(status.stableRS).toBe(stableHash);
    expect(status.currentPodHash).toBe(stableHash);
    expect(status.currentStepIndex).toBe(STEPS.length);
    expect(status.pauseConditions).toBeUndefined();
    const bySize = Object.fromEntries(
      done.replicaSets.map((rs) => [
        rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL],
        rs.spec?.replicas,
      ]),
    );
    expect(bySize).toEqual({ [stableHash]: 5, [canaryHash]: 0 });
    for (const service of ["stable", "canary"]) {
      expect(done.services[service]?.spec?.selector?.[POD_TEMPLATE_HASH_LABEL]).toBe(stableHash);
    }
    // §7.2: the reused RS takes the next revision; its old number goes to revision-history.
    const reused = done.replicaSets.find(
      (rs) => rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === stableHash,
    );
    expect(reused?.metadata?.annotations?.[REVISION_ANNOTATION]).toBe("3");
    expect(reused?.metadata?.annotations?.[REVISION_HISTORY_ANNOTATION]).toBe("1");
    expect(done.rollout.metadata.annotations?.[REVISION_ANNOTATION]).toBe("3");
  });
});
