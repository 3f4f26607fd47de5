// Checks on the Rollout spec outside the strategy (spec/rollout-behavior.md §8, first
// bullets), in the order the original evaluates them.
import type { LabelSelector, PodTemplateSpec } from "../api/common.js";
import {
  minReadySecondsOrDefault,
  progressDeadlineSecondsOrDefault,
  replicasOrDefault,
  revisionHistoryLimitOrDefault,
} from "../api/defaults.js";
import type { Rollout } from "../api/rollout.js";
import {
  MSG_DEADLINE_VS_MIN_READY,
  MSG_EMPTY_SELECTOR,
  MSG_NONNEGATIVE,
  MSG_SELECTOR_TEMPLATE_MISMATCH,
  MSG_TEMPLATE_WITH_WORKLOAD_REF,
  missingField,
  workloadKindNotSupported,
} from "./messages.js";
import { invalidSelectorExpression, selectorIsEmpty, selectorMatches } from "./selector.js";
import { type Checks, invalid, required, type ValidationContext } from "./types.js";

/** workloadRef kinds the original resolves (§1.5). */
export const SUPPORTED_WORKLOAD_KINDS: ReadonlySet<string> = new Set([
  "PodTemplate",
  "Deployment",
  "ReplicaSet",
]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The template is "empty" when it carries neither metadata nor a pod spec worth keeping. */
export function templateIsEmpty(template: PodTemplateSpec | undefined): boolean {
  if (template === undefined) return true;
  const meta = template.metadata;
  const metaEmpty =
    meta === undefined ||
    Object.entries(meta).every(
      ([, v]) => v === undefined || (isRecord(v) && Object.keys(v).length === 0),
    );
  const spec = template.spec;
  const specEmpty =
    spec === undefined ||
    Object.values(spec).every((v) => v === undefined || (Array.isArray(v) && v.length === 0));
  return metaEmpty && specEmpty;
}

/** The subset of ReplicaSet pod-template validation a Rollout template can fail. */
function* checkPodTemplate(template: PodTemplateSpec, path: string): Checks {
  const spec = template.spec;
  const containers = spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    yield required(`${path}.spec.containers`, "");
    return;
  }
  const names = new Set<string>();
  for (const [i, c] of containers.entries()) {
    const cPath = `${path}.spec.containers[${i}]`;
    const name = isRecord(c) ? c.name : undefined;
    if (typeof name !== "string" || name === "") {
      yield required(`${cPath}.name`, "");
    } else if (names.has(name)) {
      yield { field: `${cPath}.name`, message: JSON.stringify(name), type: "Duplicate" };
    } else {
      names.add(name);
    }
    const image = isRecord(c) ? c.image : undefined;
    if (typeof image !== "string" || image.trim() === "") yield required(`${cPath}.image`, "");
  }
  const restartPolicy = spec?.restartPolicy;
  if (restartPolicy !== undefined && restartPolicy !== "Always") {
    yield {
      field: `${path}.spec.restartPolicy`,
      message: 'supported values: "Always"',
      type: "NotSupported",
      value: restartPolicy,
    };
  }
  if (spec?.activeDeadlineSeconds !== undefined) {
    yield {
      field: `${path}.spec.activeDeadlineSeconds`,
      message: "activeDeadlineSeconds in ReplicaSet is not Supported",
      type: "Forbidden",
    };
  }
}

function* nonNegative(value: number, field: string): Checks {
  if (value < 0) yield invalid(field, value, MSG_NONNEGATIVE);
}

export function* checkRolloutSpec(rollout: Rollout, context: ValidationContext): Checks {
  const spec = rollout.spec;
  yield* nonNegative(replicasOrDefault(spec), "spec.replicas");

  const workloadRef = spec.workloadRef;
  const selector: LabelSelector | undefined =
    spec.selector ?? (workloadRef ? context.workload?.selector : undefined);
  if (workloadRef === undefined) {
    if (spec.selector === undefined) {
      yield required("spec.selector", missingField(".spec.selector"));
    } else if (selectorIsEmpty(spec.selector)) {
      yield invalid("spec.selector", spec.selector, MSG_EMPTY_SELECTOR);
    }
  }
  if (workloadRef !== undefined) {
    if (!templateIsEmpty(spec.template)) {
      yield {
        field: "spec.template",
        message: MSG_TEMPLATE_WITH_WORKLOAD_REF,
        type: "InternalError",
      };
    }
    const kind = workloadRef.kind ?? "";
    if (!SUPPORTED_WORKLOAD_KINDS.has(kind)) {
      yield invalid("spec.workloadRef.kind", kind, workloadKindNotSupported(kind));
    }
  }
  if (selector !== undefined) {
    const bad = invalidSelectorExpression(selector);
    if (bad >= 0) {
      const op = selector.matchExpressions?.[bad]?.operator;
      yield invalid(
        `spec.selector.matchExpressions[${bad}].operator`,
        op,
        "not a valid selector operator",
      );
    }
  }
  // With workloadRef the controller validates the referenced object's template (§1.5).
  const template = workloadRef === undefined ? spec.template : context.workload?.template;
  if (
    template !== undefined &&
    selector !== undefined &&
    (workloadRef === undefined || context.workload)
  ) {
    const labels = template.metadata?.labels ?? {};
    if (!selectorIsEmpty(selector) && !selectorMatches(selector, labels)) {
      yield invalid("spec.template.metadata.labels", labels, MSG_SELECTOR_TEMPLATE_MISMATCH);
    }
    yield* checkPodTemplate(template, "spec.template");
  } else if (workloadRef === undefined && template === undefined) {
    yield required("spec.template.spec.containers", "");
  }

  yield* nonNegative(minReadySecondsOrDefault(spec), "spec.minReadySeconds");
  yield* nonNegative(revisionHistoryLimitOrDefault(spec), "spec.revisionHistoryLimit");
  const deadline = progressDeadlineSecondsOrDefault(spec);
  yield* nonNegative(deadline, "spec.progressDeadlineSeconds");
  if (minReadySecondsOrDefault(spec) >= deadline) {
    yield invalid("spec.progressDeadlineSeconds", deadline, MSG_DEADLINE_VS_MIN_READY);
  }
}
