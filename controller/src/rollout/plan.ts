// plan(observed, now) -> Plan: the pure Rollout planner (DESIGN §4 step 2). No I/O, no clock
// but `now`, no globals. spec/rollout-behavior.md §3.1 is the order followed here.
import type { LabelSelector } from "../api/common.js";
import type { RolloutStatus } from "../api/rollout.js";
import { validateRollout } from "../validation/rollout.js";
import { invalidSpecMessage } from "../validation/types.js";
import { planBlueGreenPass } from "./bluegreen/plan.js";
import { planCanaryPass } from "./canary/plan.js";
import { buildContext, PlanBuilder, type RolloutContext } from "./context.js";
import { serviceHash } from "./housekeeping.js";
import {
  ConditionType,
  EventReason,
  Phase,
  POD_TEMPLATE_HASH_LABEL,
  Reason,
  WORKLOAD_GENERATION_ANNOTATION,
} from "./keys.js";
import type { Observed, PodTemplateLike } from "./observed.js";
import type { Plan } from "./plan-types.js";
import {
  findNewReplicaSet,
  findStableReplicaSet,
  podTemplateHash,
  readyReplicas,
  revisionOf,
  rsHash,
} from "./replicasets.js";
import { syncRevision } from "./revision.js";
import {
  type FinalizeInputs,
  finalizeStatus,
  getCondition,
  setCondition,
  writeReplicaCounts,
} from "./status.js";

/** spec §3.1 step 3: an invalid Rollout is looked at again after 20 s. */
export const INVALID_SPEC_REQUEUE_SECONDS = 20;

export interface PlanOptions {
  /**
   * Spec validation (§8). Returns the InvalidSpec message ("The Rollout \"x\" is invalid: …")
   * of the first error, or undefined. Defaults to validateRollout with the observed Services
   * and workload. The planner always checks, in addition, what it needs itself: a strategy,
   * a template, and the Services it is to manage.
   */
  validate?: (observed: Observed) => string | undefined;
}

/** The default validator: validation/rollout.ts over what the pass observed. */
export function validateObserved(observed: Observed): string | undefined {
  const { rollout, workload } = observed;
  const error = validateRollout(rollout, {
    services: observed.services,
    ...(workload === undefined
      ? {}
      : {
          workload: {
            ...(workload.template === undefined ? {} : { template: workload.template }),
            ...(workload.selector === undefined ? {} : { selector: workload.selector }),
          },
        }),
  });
  return error === undefined ? undefined : invalidSpecMessage(rollout.metadata.name ?? "", error);
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function emptyPlan(status: RolloutStatus): Plan {
  return { actions: [], status, events: [] };
}

/** The planner's own minimal checks, so that it never plans from a spec it cannot use. */
function essentialCheck(
  observed: Observed,
  template: PodTemplateLike | undefined,
  selector: LabelSelector | undefined,
): string | undefined {
  const { rollout } = observed;
  const name = rollout.metadata.name ?? "";
  const invalid = (detail: string) => `The Rollout "${name}" is invalid: ${detail}`;
  const { canary, blueGreen } = rollout.spec.strategy;
  if (canary === undefined && blueGreen === undefined) {
    return invalid(
      "spec.strategy.strategy: Required value: Rollout has missing field '.spec.strategy.canary or .spec.strategy.blueGreen'",
    );
  }
  if (canary !== undefined && blueGreen !== undefined) {
    return invalid("spec.strategy: Invalid value: both: Multiple Strategies can not be listed");
  }
  if (selector === undefined)
    return invalid("spec.selector: Required value: Rollout has missing field '.spec.selector'");
  if (template === undefined) {
    return observed.workload === undefined && rollout.spec.workloadRef !== undefined
      ? invalid(
          `spec.workloadRef: Not found: ${rollout.spec.workloadRef.kind ?? ""} "${rollout.spec.workloadRef.name ?? ""}" not found`,
        )
      : invalid("spec.template: Required value: Rollout has missing field '.spec.template'");
  }
  const services: Array<[string, string | undefined]> =
    canary !== undefined
      ? [
          ["spec.strategy.canary.stableService", canary.stableService],
          ["spec.strategy.canary.canaryService", canary.canaryService],
        ]
      : [
          ["spec.strategy.blueGreen.activeService", blueGreen?.activeService],
          ["spec.strategy.blueGreen.previewService", blueGreen?.previewService],
        ];
  for (const [field, service] of services) {
    if (service !== undefined && service !== "" && !observed.services.has(service)) {
      return invalid(`${field}: Invalid value: "${service}": service "${service}" not found`);
    }
  }
  return undefined;
}

function invalidSpecPlan(observed: Observed, now: Date, message: string): Plan {
  const status = clone(observed.rollout.status ?? {});
  const nowIso = `${now.toISOString().slice(0, 19)}Z`;
  const changed = setCondition(
    status,
    { type: ConditionType.InvalidSpec, status: "True", reason: Reason.InvalidSpec, message },
    nowIso,
  );
  status.phase = Phase.Degraded;
  status.message = `${Reason.InvalidSpec}: ${message}`;
  status.observedGeneration = String(observed.rollout.metadata.generation ?? 0);
  return {
    actions: [],
    status,
    events: changed ? [{ type: "Warning", reason: EventReason.InvalidSpec, message }] : [],
    requeueAfterSeconds: INVALID_SPEC_REQUEUE_SECONDS,
  };
}

/** Plans one reconcile pass of one Rollout. Pure: the same input gives the same Plan. */
export function plan(observed: Observed, now: Date, options: PlanOptions = {}): Plan {
  const { rollout } = observed;
  const previousStatus = rollout.status ?? {};
  // §3.1 step 1: a Rollout being deleted is left to the garbage collector.
  if (rollout.metadata.deletionTimestamp !== undefined) return emptyPlan(clone(previousStatus));
  // §1.1: an absent spec.replicas is written back as 1 (for the HPA); that ends the pass.
  if (rollout.spec.replicas === undefined) {
    return {
      actions: [{ kind: "patchRollout", specReplicas: 1 }],
      status: clone(previousStatus),
      events: [],
    };
  }

  // §1.5 workloadRef: the referenced object's template (and selector) are used in memory.
  const template =
    rollout.spec.workloadRef !== undefined ? observed.workload?.template : rollout.spec.template;
  const selector = rollout.spec.selector ?? observed.workload?.selector;

  let invalidMessage: string | undefined;
  try {
    invalidMessage =
      (options.validate ?? validateObserved)(observed) ??
      essentialCheck(observed, template, selector);
  } catch (error) {
    invalidMessage = `The Rollout "${rollout.metadata.name ?? ""}" is invalid: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (invalidMessage !== undefined || template === undefined || selector === undefined) {
    return invalidSpecPlan(observed, now, invalidMessage ?? "missing template or selector");
  }

  const status = clone(previousStatus);
  const computedHash = podTemplateHash(template, status.collisionCount);
  const newRS = findNewReplicaSet(observed.replicaSets, template, computedHash);
  // §3.1 step 2, §7.1: an RS found by semantic equality keeps its own hash. `undo` copies
  // the API server's defaulted RS template back into spec.template, whose hash differs from
  // the RS's label; the status, Services and stable comparison must name the RS's hash.
  const hash = (newRS === undefined ? undefined : rsHash(newRS)) ?? computedHash;
  const stableRS = findStableReplicaSet(observed.replicaSets, status.stableRS);
  const ctx = buildContext(observed, now, template, selector, hash, newRS, stableRS);
  const b = new PlanBuilder(ctx);
  workloadBookkeeping(ctx, b, status);

  const outcome = syncRevision(ctx, b, status);
  let inputs: FinalizeInputs;
  if (outcome.kind === "current") {
    inputs =
      rollout.spec.strategy.canary !== undefined
        ? planCanaryPass(ctx, b, status)
        : planBlueGreenPass(ctx, b, status);
  } else {
    inputs = resetPassInputs(ctx, b, status, outcome.kind === "reset" ? outcome.created : false);
  }
  finalizeStatus(ctx, b, status, inputs);
  workloadScaleDown(ctx, b, status);
  return {
    actions: b.actions,
    status,
    events: b.events,
    ...(b.requeueAfterSeconds === undefined ? {} : { requeueAfterSeconds: b.requeueAfterSeconds }),
  };
}

/** The pass that created the new RS or reset the status ends here (§3.2 step 1, §3.3). */
function resetPassInputs(
  ctx: RolloutContext,
  b: PlanBuilder,
  status: RolloutStatus,
  created: boolean,
): FinalizeInputs {
  const blueGreen = ctx.rollout.spec.strategy.blueGreen;
  if (blueGreen !== undefined) {
    // §3.3: the preview Service points at the new RS from its creation on.
    const preview = blueGreen.previewService;
    if (preview !== undefined && preview !== "" && serviceHash(ctx, preview) !== ctx.newHash) {
      b.actions.push({
        kind: "setServiceSelector",
        service: preview,
        podTemplateHash: ctx.newHash,
        rollout: ctx.name,
      });
      b.event(
        "Normal",
        EventReason.SwitchService,
        `Switched selector for service '${preview}' from '${serviceHash(ctx, preview) ?? ""}' to '${ctx.newHash}'`,
      );
    }
    status.blueGreen = { ...status.blueGreen };
    const active = serviceHash(ctx, blueGreen.activeService);
    if (active !== undefined) status.blueGreen.activeSelector = active;
    if (preview !== undefined && preview !== "") status.blueGreen.previewSelector = ctx.newHash;
  }
  const activeRS = ctx.allRSs.find(
    (rs) => rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === status.blueGreen?.activeSelector,
  );
  writeReplicaCounts(ctx, status, blueGreen !== undefined ? "blueGreen" : "canary", activeRS);
  const steps = ctx.rollout.spec.strategy.canary?.steps ?? [];
  return {
    strategy: blueGreen !== undefined ? "blueGreen" : "canary",
    stepsDone: steps.length === 0 || (status.currentStepIndex ?? 0) >= steps.length,
    servicesOnCurrent: status.blueGreen?.activeSelector === ctx.newHash,
    trafficRouting: ctx.rollout.spec.strategy.canary?.trafficRouting !== undefined,
    featureHalt: undefined,
    aborted: false,
    abortMessage: undefined,
    newRevision: { created },
    retried: false,
    deadlineSuspended: true,
  };
}

/**
 * §1.5 workloadRef scaleDown, for revision 1 only: `onsuccess` scales the Deployment to 0 once
 * the Rollout is Healthy; `progressively` keeps it at R − ready pods of the new RS meanwhile.
 */
function workloadScaleDown(ctx: RolloutContext, b: PlanBuilder, status: RolloutStatus): void {
  const ref = ctx.rollout.spec.workloadRef;
  const workload = ctx.observed.workload;
  if (
    ref === undefined ||
    workload === undefined ||
    workload.kind !== "Deployment" ||
    workload.replicas === undefined
  ) {
    return;
  }
  const mode = ref.scaleDown ?? "never";
  if (ctx.newRS === undefined || revisionOf(ctx.newRS) !== 1) return;
  const healthy = status.phase === Phase.Healthy;
  let desired: number | undefined;
  if (mode === "onsuccess") desired = healthy ? 0 : undefined;
  else if (mode === "progressively")
    desired = healthy ? 0 : Math.max(0, ctx.replicas - readyReplicas(ctx.newRS));
  if (desired !== undefined && desired !== workload.replicas) {
    b.actions.push({ kind: "scaleWorkload", name: workload.name, replicas: desired });
  }
}

/** §1.5: record the referenced workload's generation on the Rollout and in status. */
function workloadBookkeeping(ctx: RolloutContext, b: PlanBuilder, status: RolloutStatus): void {
  const workload = ctx.observed.workload;
  if (ctx.rollout.spec.workloadRef === undefined || workload?.generation === undefined) return;
  const generation = String(workload.generation);
  if (ctx.rollout.metadata.annotations?.[WORKLOAD_GENERATION_ANNOTATION] !== generation) {
    b.actions.push({
      kind: "patchRollout",
      annotations: { [WORKLOAD_GENERATION_ANNOTATION]: generation },
    });
  }
  status.workloadObservedGeneration = generation;
}

export { getCondition };
