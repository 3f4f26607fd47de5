// Building the AnalysisRun a Rollout needs (spec/analysis-and-providers.md §3.2): resolve the
// templates (nested ones too), flatten them, resolve the Rollout's arguments, and name and
// label the run. Pure: templates come from the caller's lookup (the informer caches).

import { resolveFieldPath } from "../../analysis/field-path.js";
import type { AnalysisTemplateSpec, Argument, Metric } from "../../api/analysis.js";
import { LABEL_CONTROLLER_INSTANCE_ID } from "../../api/labels.js";
import type {
  AnalysisTemplateRef,
  DryRun,
  MeasurementRetention,
  RolloutAnalysis,
} from "../../api/rollout-steps.js";
import type { RolloutContext } from "../context.js";
import { POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION } from "../keys.js";
import { revisionOf } from "../replicasets.js";

export type RunKind = "Step" | "Background" | "PrePromotion" | "PostPromotion";

export const ROLLOUT_TYPE_LABEL = "rollout-type";
export const STEP_INDEX_LABEL = "step-index";

/** Looks up a template by name: namespaced ones in the Rollout's namespace, or cluster ones. */
export type TemplateLookup = (
  name: string,
  clusterScope: boolean,
) => AnalysisTemplateSpec | undefined;

export type Built =
  | { ok: true; manifest: Record<string, unknown>; name: string }
  | { ok: false; error: string };

interface Flattened {
  metrics: Metric[];
  args: Argument[];
  dryRun: DryRun[];
  measurementRetention: MeasurementRetention[];
}

function describeRef(ref: AnalysisTemplateRef): string {
  return `${ref.clusterScope === true ? "ClusterAnalysisTemplate" : "AnalysisTemplate"} "${ref.templateName ?? ""}"`;
}

/** §3.2 steps 1–2: every referenced template once, nested ones followed. */
function collectTemplates(
  refs: readonly AnalysisTemplateRef[],
  lookup: TemplateLookup,
): { ok: true; specs: AnalysisTemplateSpec[] } | { ok: false; error: string } {
  const seen = new Set<string>();
  const namespaced: AnalysisTemplateSpec[] = [];
  const cluster: AnalysisTemplateSpec[] = [];
  const queue = [...refs];
  while (queue.length > 0) {
    const ref = queue.shift() as AnalysisTemplateRef;
    const name = ref.templateName ?? "";
    const clusterScope = ref.clusterScope === true;
    const key = `${clusterScope ? "c" : "n"}/${name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (name === "")
      return { ok: false, error: "an analysis template reference has no templateName" };
    const spec = lookup(name, clusterScope);
    if (spec === undefined) return { ok: false, error: `${describeRef(ref)} not found` };
    (clusterScope ? cluster : namespaced).push(spec);
    queue.push(...(spec.templates ?? []));
  }
  return { ok: true, specs: [...namespaced, ...cluster] };
}

function flatten(specs: readonly AnalysisTemplateSpec[]): Flattened | { error: string } {
  const metrics: Metric[] = [];
  const metricNames = new Set<string>();
  const args = new Map<string, Argument>();
  const dryRun: DryRun[] = [];
  const retention: MeasurementRetention[] = [];
  for (const spec of specs) {
    for (const metric of spec.metrics ?? []) {
      if (metricNames.has(metric.name))
        return { error: `two metrics have the same name '${metric.name}'` };
      metricNames.add(metric.name);
      metrics.push(metric);
    }
    for (const arg of spec.args ?? []) {
      const existing = args.get(arg.name);
      const valued = arg.value !== undefined || arg.valueFrom !== undefined;
      if (existing === undefined) {
        args.set(arg.name, arg);
        continue;
      }
      const existingValued = existing.value !== undefined || existing.valueFrom !== undefined;
      if (!valued) continue; // a valued argument is never replaced by an unvalued one
      if (!existingValued) {
        args.set(arg.name, arg);
        continue;
      }
      if (JSON.stringify(existing) !== JSON.stringify(arg))
        return { error: `argument '${arg.name}' has two different values in the templates` };
    }
    for (const rule of spec.dryRun ?? []) {
      if (dryRun.some((r) => r.metricName === rule.metricName))
        return { error: `dryRun has the metric '${rule.metricName}' twice` };
      dryRun.push(rule);
    }
    for (const rule of spec.measurementRetention ?? []) {
      if (retention.some((r) => r.metricName === rule.metricName))
        return { error: `measurementRetention has the metric '${rule.metricName}' twice` };
      retention.push(rule);
    }
  }
  return { metrics, args: [...args.values()], dryRun, measurementRetention: retention };
}

/** §3.2 steps 3–4: the Rollout's arguments as literal values over the declared ones. */
function resolveArgs(
  ctx: RolloutContext,
  declared: readonly Argument[],
  analysis: RolloutAnalysis,
): Argument[] | { error: string } {
  const given = new Map<string, string>();
  for (const arg of analysis.args ?? []) {
    if (arg.value !== undefined) {
      given.set(arg.name, arg.value);
      continue;
    }
    const from = arg.valueFrom;
    if (from?.podTemplateHashValue !== undefined) {
      const hash = from.podTemplateHashValue === "Latest" ? ctx.newHash : ctx.previous.stableRS;
      if (hash === undefined)
        return {
          error: `args.${arg.name}: the rollout has no ${from.podTemplateHashValue} ReplicaSet yet`,
        };
      given.set(arg.name, hash);
    } else if (from?.fieldRef !== undefined) {
      const found = resolveFieldPath(ctx.rollout, from.fieldRef.fieldPath);
      if (!found.ok) return { error: `args.${arg.name}: ${found.error}` };
      given.set(arg.name, found.value);
    }
  }
  const out: Argument[] = [];
  for (const arg of declared) {
    const value = given.get(arg.name);
    if (value !== undefined) out.push({ name: arg.name, value });
    else if (arg.value !== undefined || arg.valueFrom !== undefined) out.push(arg);
    else return { error: `args.${arg.name} was not resolved` };
  }
  return out;
}

/** `<rollout>-<hash>-<revision>` + `-<step>` | `-pre` | `-post` | nothing (§3.2 step 6). */
export function baseRunName(ctx: RolloutContext, kind: RunKind, stepIndex?: number): string {
  const revision = ctx.newRS === undefined ? 0 : revisionOf(ctx.newRS);
  const base = `${ctx.name}-${ctx.newHash}-${revision}`;
  switch (kind) {
    case "Step":
      return `${base}-${stepIndex ?? 0}`;
    case "PrePromotion":
      return `${base}-pre`;
    case "PostPromotion":
      return `${base}-post`;
    case "Background":
      return base;
  }
}

/** The labels that identify which run of the Rollout this is (used to adopt a lost run). */
export function runIdentityLabels(
  ctx: RolloutContext,
  kind: RunKind,
  stepIndex?: number,
): Record<string, string> {
  return {
    [POD_TEMPLATE_HASH_LABEL]: ctx.newHash,
    [ROLLOUT_TYPE_LABEL]: kind,
    ...(kind === "Step" ? { [STEP_INDEX_LABEL]: String(stepIndex ?? 0) } : {}),
  };
}

export function buildAnalysisRun(
  ctx: RolloutContext,
  kind: RunKind,
  analysis: RolloutAnalysis,
  name: string,
  lookup: TemplateLookup,
  stepIndex?: number,
): Built {
  const templates = collectTemplates(analysis.templates ?? [], lookup);
  if (!templates.ok) return templates;
  const flat = flatten(templates.specs);
  if ("error" in flat) return { ok: false, error: flat.error };
  if (flat.metrics.length === 0)
    return { ok: false, error: "the analysis templates define no metrics" };
  const args = resolveArgs(ctx, flat.args, analysis);
  if ("error" in args) return { ok: false, error: args.error };
  const dryRun = [...flat.dryRun, ...(analysis.dryRun ?? [])];
  const retention = [...flat.measurementRetention, ...(analysis.measurementRetention ?? [])];

  const meta = ctx.rollout.metadata;
  const instanceId = meta.labels?.[LABEL_CONTROLLER_INSTANCE_ID];
  const labels: Record<string, string> = {
    ...(ctx.rollout.spec.selector?.matchLabels ?? {}),
    ...(analysis.analysisRunMetadata?.labels ?? {}),
    ...runIdentityLabels(ctx, kind, stepIndex),
    ...(instanceId === undefined ? {} : { [LABEL_CONTROLLER_INSTANCE_ID]: instanceId }),
  };
  const revision = ctx.newRS === undefined ? 0 : revisionOf(ctx.newRS);
  const manifest: Record<string, unknown> = {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "AnalysisRun",
    metadata: {
      name,
      namespace: ctx.namespace,
      labels,
      annotations: {
        ...(analysis.analysisRunMetadata?.annotations ?? {}),
        [REVISION_ANNOTATION]: String(revision),
      },
      ownerReferences: [
        {
          apiVersion: "argoproj.io/v1alpha1",
          kind: "Rollout",
          name: ctx.name,
          uid: meta.uid ?? "",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      metrics: flat.metrics,
      ...(args.length > 0 ? { args } : {}),
      ...(dryRun.length > 0 ? { dryRun } : {}),
      ...(retention.length > 0 ? { measurementRetention: retention } : {}),
    },
  };
  return { ok: true, manifest, name };
}
