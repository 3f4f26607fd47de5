// Checks on canary steps (spec/rollout-behavior.md §8 "steps", traffic-routers.md §1.2).
import { maxTrafficWeightOrDefault } from "../api/defaults.js";
import { durationSeconds } from "../api/duration.js";
import type { CanaryStrategy, Rollout } from "../api/rollout.js";
import type { AnalysisRunArgument, CanaryStep } from "../api/rollout-steps.js";
import type { RolloutTrafficRouting, StringMatch } from "../api/traffic-routing.js";
import {
  MSG_ALB_HEADER_EXACT_ONLY,
  MSG_ANALYSIS_ARGS_METADATA,
  MSG_EXPERIMENT_WEIGHT_NEEDS_TR,
  MSG_EXPERIMENT_WEIGHT_ROUTERS,
  MSG_HEADER_ROUTE_ROUTERS,
  MSG_INVALID_STEP,
  MSG_MIRROR_ROUTE_ROUTERS,
  MSG_PAUSE_DURATION,
  MSG_ROUTE_NOT_MANAGED,
  MSG_SET_CANARY_SCALE_NEEDS_TR,
  MSG_STRING_MATCH_MISSING,
  MSG_STRING_MATCH_MULTIPLE,
  missingField,
  setWeightRange,
} from "./messages.js";
import { type Checks, invalid, required } from "./types.js";

const hasPlugins = (tr: RolloutTrafficRouting): boolean => Object.keys(tr.plugins ?? {}).length > 0;

/** Step kinds of which at most one may be set (the original checks only these four). */
const EXCLUSIVE_KINDS = ["setWeight", "pause", "experiment", "analysis"] as const;
const ALL_KINDS = [
  "setWeight",
  "pause",
  "experiment",
  "analysis",
  "setCanaryScale",
  "setHeaderRoute",
  "setMirrorRoute",
  "plugin",
] as const;

function stepKinds(step: CanaryStep): string {
  return ALL_KINDS.map((k) => `step.${k}: ${step[k] !== undefined}`).join(" ");
}

function* checkStringMatch(match: StringMatch | undefined, path: string): Checks {
  if (match === undefined) {
    yield invalid(path, null, MSG_STRING_MATCH_MISSING);
    return;
  }
  const set = [match.exact, match.regex, match.prefix].filter(
    (v) => v !== undefined && v !== "",
  ).length;
  if (set === 0) yield invalid(path, match, MSG_STRING_MATCH_MISSING);
  else if (set > 1) yield invalid(path, match, MSG_STRING_MATCH_MULTIPLE);
}

function* checkAlbHeaderValue(match: StringMatch | undefined, path: string): Checks {
  if (
    match === undefined ||
    (match.exact ?? "") === "" ||
    (match.regex ?? "") !== "" ||
    (match.prefix ?? "") !== ""
  ) {
    yield invalid(path, match ?? null, MSG_ALB_HEADER_EXACT_ONLY);
  }
}

const SUBSCRIPTED = /^(.*)\['(.*)'\]$/;

/** Whether a Downward-API style `metadata…` fieldPath resolves on a Rollout (§8). */
export function metadataFieldPathResolves(fieldPath: string): boolean {
  const m = SUBSCRIPTED.exec(fieldPath);
  if (m !== null) return m[1] === "metadata.labels" || m[1] === "metadata.annotations";
  return [
    "metadata.annotations",
    "metadata.labels",
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
  ].includes(fieldPath);
}

export function* checkAnalysisArgs(
  args: readonly AnalysisRunArgument[] | undefined,
  path: string,
): Checks {
  for (const arg of args ?? []) {
    const fieldPath = arg.valueFrom?.fieldRef?.fieldPath;
    if (fieldPath?.startsWith("metadata") && !metadataFieldPathResolves(fieldPath)) {
      yield invalid(path, arg, MSG_ANALYSIS_ARGS_METADATA);
    }
  }
}

function* checkManagedRoute(
  tr: RolloutTrafficRouting,
  name: string | undefined,
  path: string,
): Checks {
  if (tr.managedRoutes === undefined) {
    yield required(
      "spec.strategy.canary.trafficRouting.managedRoutes",
      missingField("spec.strategy.canary.trafficRouting.managedRoutes"),
    );
  } else if (!tr.managedRoutes.some((r) => r.name === name)) {
    yield invalid(path, name ?? "", MSG_ROUTE_NOT_MANAGED);
  }
}

function* checkStep(
  rollout: Rollout,
  canary: CanaryStrategy,
  step: CanaryStep,
  path: string,
): Checks {
  const tr = canary.trafficRouting;
  if (EXCLUSIVE_KINDS.filter((k) => step[k] !== undefined).length > 1)
    yield invalid(path, stepKinds(step), MSG_INVALID_STEP);
  if (ALL_KINDS.every((k) => step[k] === undefined))
    yield invalid(path, stepKinds(step), MSG_INVALID_STEP);

  const maxWeight = maxTrafficWeightOrDefault(rollout);
  if (step.setWeight !== undefined && (step.setWeight < 0 || step.setWeight > maxWeight)) {
    yield invalid(`${path}.setWeight`, step.setWeight, setWeightRange(maxWeight));
  }
  const duration = step.pause?.duration;
  if (duration !== undefined) {
    const seconds = durationSeconds(duration);
    if (seconds === undefined || seconds < 0)
      yield invalid(`${path}.pause.duration`, seconds ?? -1, MSG_PAUSE_DURATION);
  }
  if (step.setCanaryScale !== undefined && tr === undefined) {
    yield invalid(`${path}.setCanaryScale`, step.setCanaryScale, MSG_SET_CANARY_SCALE_NEEDS_TR);
  }
  const header = step.setHeaderRoute;
  if (header !== undefined) {
    if (
      tr === undefined ||
      (tr.istio === undefined && tr.alb === undefined && tr.apisix === undefined && !hasPlugins(tr))
    ) {
      yield invalid(`${path}.setHeaderRoute`, header, MSG_HEADER_ROUTE_ROUTERS);
    } else {
      for (const [j, match] of (header.match ?? []).entries()) {
        const matchPath = `${path}.setHeaderRoute.match[${j}].headerValue`;
        if (tr.alb !== undefined) yield* checkAlbHeaderValue(match.headerValue, matchPath);
        else yield* checkStringMatch(match.headerValue, matchPath);
      }
    }
  }
  const mirror = step.setMirrorRoute;
  if (mirror !== undefined) {
    if (tr === undefined || (tr.istio === undefined && !hasPlugins(tr))) {
      yield invalid(`${path}.setMirrorRoute`, mirror, MSG_MIRROR_ROUTE_ROUTERS);
    }
    for (const [j, match] of (mirror.match ?? []).entries()) {
      const matchPath = `${path}.setMirrorRoute.match[${j}]`;
      if (match.method !== undefined) yield* checkStringMatch(match.method, `${matchPath}.method`);
      if (match.path !== undefined) yield* checkStringMatch(match.path, `${matchPath}.path`);
      for (const [name, value] of Object.entries(match.headers ?? {})) {
        yield* checkStringMatch(value, `${matchPath}.headers.${name}`);
      }
    }
  }
  if (tr !== undefined) {
    if (header !== undefined)
      yield* checkManagedRoute(tr, header.name, `${path}.setHeaderRoute.name`);
    if (mirror !== undefined)
      yield* checkManagedRoute(tr, mirror.name, `${path}.setMirrorRoute.name`);
  }
  for (const [j, template] of (step.experiment?.templates ?? []).entries()) {
    if (template.weight === undefined) continue;
    const weightPath = `${path}.experiment.templates[${j}].weight`;
    if (tr === undefined) {
      yield invalid(weightPath, template.weight, MSG_EXPERIMENT_WEIGHT_NEEDS_TR);
    } else if (
      tr.smi === undefined &&
      tr.alb === undefined &&
      tr.istio === undefined &&
      !hasPlugins(tr)
    ) {
      yield invalid(weightPath, template.weight, MSG_EXPERIMENT_WEIGHT_ROUTERS);
    }
  }
  yield* checkAnalysisArgs(step.analysis?.args, `${path}.analysis.args`);
  for (const [j, analysis] of (step.experiment?.analyses ?? []).entries()) {
    yield* checkAnalysisArgs(analysis.args, `${path}.experiment.analyses[${j}].args`);
  }
}

export function* checkSteps(rollout: Rollout, canary: CanaryStrategy): Checks {
  for (const [i, step] of (canary.steps ?? []).entries()) {
    yield* checkStep(rollout, canary, step, `spec.strategy.canary.steps[${i}]`);
  }
  yield* checkAnalysisArgs(canary.analysis?.args, "spec.strategy.canary.analysis.args");
}
