// Checks against objects the Rollout references (spec/rollout-behavior.md §8, last bullet).
// Each check runs only when the context carries the objects it needs.
import type { AnalysisTemplate, Metric } from "../api/analysis.js";
import type { PodTemplateSpec } from "../api/common.js";
import { intOrStringValue } from "../api/defaults.js";
import { ANNOTATION_MANAGED_BY_ROLLOUTS, LABEL_POD_TEMPLATE_HASH } from "../api/labels.js";
import type { Rollout } from "../api/rollout.js";
import type {
  AnalysisRunArgument,
  AnalysisTemplateRef,
  RolloutAnalysis,
} from "../api/rollout-steps.js";
import {
  argNotResolved,
  ingressWithoutService,
  MSG_ALB_ONE_INGRESS,
  MSG_NGINX_ONE_INGRESS,
  metricRunsIndefinitely,
  notFound,
  serviceLabelMismatch,
  serviceManagedByOther,
} from "./messages.js";
import { checkIstioVirtualServices } from "./references-istio.js";
import { type Checks, invalid, type ValidationContext } from "./types.js";

function rec(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : {};
}
function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function stringMap(v: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries(rec(v)).filter((e): e is [string, string] => typeof e[1] === "string"),
  );
}

function referencedServices(rollout: Rollout): Array<[field: string, name: string]> {
  const { canary, blueGreen } = rollout.spec.strategy;
  const out: Array<[string, string | undefined]> = [];
  if (blueGreen !== undefined) {
    out.push(["spec.strategy.blueGreen.activeService", blueGreen.activeService]);
    out.push(["spec.strategy.blueGreen.previewService", blueGreen.previewService]);
  }
  if (canary !== undefined) {
    out.push(["spec.strategy.canary.canaryService", canary.canaryService]);
    out.push(["spec.strategy.canary.stableService", canary.stableService]);
    out.push(["spec.strategy.canary.pingPong.pingService", canary.pingPong?.pingService]);
    out.push(["spec.strategy.canary.pingPong.pongService", canary.pingPong?.pongService]);
  }
  return out.filter((e): e is [string, string] => e[1] !== undefined && e[1] !== "");
}

function* checkServices(
  rollout: Rollout,
  template: PodTemplateSpec | undefined,
  ctx: ValidationContext,
): Checks {
  if (ctx.services === undefined) return;
  // Unknown template (workloadRef not resolved by the caller): the label check is skipped.
  const podLabels = template === undefined ? undefined : (template.metadata?.labels ?? {});
  for (const [field, name] of referencedServices(rollout)) {
    const service = ctx.services.get(name);
    if (service === undefined) {
      yield invalid(field, name, notFound("service", name));
      continue;
    }
    const managedBy = stringMap(rec(rec(service).metadata).annotations)[
      ANNOTATION_MANAGED_BY_ROLLOUTS
    ];
    if (managedBy !== undefined && managedBy !== rollout.metadata.name) {
      yield invalid(field, name, serviceManagedByOther(name));
    }
    for (const [key, value] of Object.entries(stringMap(rec(rec(service).spec).selector))) {
      if (podLabels !== undefined && key !== LABEL_POD_TEMPLATE_HASH && podLabels[key] !== value) {
        yield invalid(field, name, serviceLabelMismatch(name, key));
      }
    }
  }
}

type AnalysisUse = "background" | "step" | "prePromotion" | "postPromotion" | "experiment";

function analysesOf(
  rollout: Rollout,
): Array<{ path: string; use: AnalysisUse; analysis: RolloutAnalysis }> {
  const { canary, blueGreen } = rollout.spec.strategy;
  const out: Array<{ path: string; use: AnalysisUse; analysis: RolloutAnalysis }> = [];
  if (canary?.analysis !== undefined) {
    out.push({
      path: "spec.strategy.canary.analysis",
      use: "background",
      analysis: canary.analysis,
    });
  }
  for (const [i, step] of (canary?.steps ?? []).entries()) {
    if (step.analysis !== undefined)
      out.push({
        path: `spec.strategy.canary.steps[${i}].analysis`,
        use: "step",
        analysis: step.analysis,
      });
    for (const [j, a] of (step.experiment?.analyses ?? []).entries()) {
      out.push({
        path: `spec.strategy.canary.steps[${i}].experiment.analyses[${j}]`,
        use: "experiment",
        analysis: {
          templates: [{ templateName: a.templateName, clusterScope: a.clusterScope }],
          args: a.args,
        },
      });
    }
  }
  if (blueGreen?.prePromotionAnalysis !== undefined) {
    out.push({
      path: "spec.strategy.blueGreen.prePromotionAnalysis",
      use: "prePromotion",
      analysis: blueGreen.prePromotionAnalysis,
    });
  }
  if (blueGreen?.postPromotionAnalysis !== undefined) {
    out.push({
      path: "spec.strategy.blueGreen.postPromotionAnalysis",
      use: "postPromotion",
      analysis: blueGreen.postPromotionAnalysis,
    });
  }
  return out;
}

interface ResolvedTemplate {
  name: string;
  template: AnalysisTemplate;
}

/** Resolves refs and their nested `templates`, depth first; yields not-found errors. */
function* resolveTemplates(
  refs: readonly AnalysisTemplateRef[],
  path: string,
  ctx: ValidationContext,
  out: ResolvedTemplate[],
  seen: Set<string>,
): Checks {
  for (const ref of refs) {
    const name = ref.templateName ?? "";
    const key = `${ref.clusterScope === true ? "cluster" : "ns"}/${name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const store = ref.clusterScope === true ? ctx.clusterAnalysisTemplates : ctx.analysisTemplates;
    if (store === undefined) continue;
    const template = store.get(name);
    if (template === undefined) {
      const resource =
        ref.clusterScope === true
          ? "clusteranalysistemplate.argoproj.io"
          : "analysistemplate.argoproj.io";
      yield invalid(`${path}.templates`, name, notFound(resource, name));
      continue;
    }
    out.push({ name, template });
    yield* resolveTemplates(template.spec.templates ?? [], path, ctx, out, seen);
  }
}

const ARG_PLACEHOLDER = /\{\{\s*args\.([^\s}]+)\s*\}\}/g;

/** Substitutes `{{args.x}}` with the known literal values (analysis-and-providers.md §2.2). */
function substituteArgs(text: string, values: ReadonlyMap<string, string>): string {
  return text.replace(ARG_PLACEHOLDER, (whole, name: string) => values.get(name) ?? whole);
}

/**
 * §1.2: no count (or 0) with an interval runs until terminated. A count that stays a
 * placeholder (its argument comes from a Secret or the run) cannot be judged here.
 */
function runsIndefinitely(metric: Metric, args: ReadonlyMap<string, string>): boolean {
  const interval = metric.interval === undefined ? "" : substituteArgs(metric.interval, args);
  if (interval === "") return false;
  const count =
    typeof metric.count === "string" ? substituteArgs(metric.count, args).trim() : metric.count;
  if (typeof count === "string" && count !== "" && !/^[-+]?\d+$/.test(count)) return false;
  return intOrStringValue(count === "" ? undefined : count, 0) === 0;
}

/** Literal argument values: templates' defaults, overridden by the Rollout's (§3.2). */
function literalArgs(
  resolved: readonly ResolvedTemplate[],
  analysis: RolloutAnalysis,
): Map<string, string> {
  const values = new Map<string, string>();
  for (const { template } of resolved) {
    for (const arg of template.spec.args ?? []) {
      if (arg.value !== undefined) values.set(arg.name, arg.value);
    }
  }
  for (const arg of analysis.args ?? []) {
    if (arg.value !== undefined) values.set(arg.name, arg.value);
  }
  return values;
}

function* checkAnalyses(rollout: Rollout, ctx: ValidationContext): Checks {
  if (ctx.analysisTemplates === undefined && ctx.clusterAnalysisTemplates === undefined) return;
  for (const { path, use, analysis } of analysesOf(rollout)) {
    const resolved: ResolvedTemplate[] = [];
    yield* resolveTemplates(analysis.templates ?? [], path, ctx, resolved, new Set());
    if (use === "step" || use === "prePromotion" || use === "postPromotion") {
      const args = literalArgs(resolved, analysis);
      for (const { name, template } of resolved) {
        for (const metric of template.spec.metrics ?? []) {
          if (runsIndefinitely(metric, args)) {
            yield invalid(
              `${path}.templates`,
              name,
              metricRunsIndefinitely(name, metric.name, String(metric.count ?? "<nil>")),
            );
          }
        }
      }
    }
    if (use === "background") {
      const supplied = new Set((analysis.args ?? []).map((a: AnalysisRunArgument) => a.name));
      for (const { template } of resolved) {
        for (const arg of template.spec.args ?? []) {
          if (arg.value === undefined && arg.valueFrom === undefined && !supplied.has(arg.name)) {
            yield invalid(`${path}.args`, arg.name, argNotResolved(arg.name));
          }
        }
      }
    }
  }
}

/** Backend service names of an Ingress (networking.k8s.io/v1 and extensions/v1beta1). */
export function ingressBackendServices(ingress: unknown): Set<string> {
  const names = new Set<string>();
  for (const rule of list(rec(rec(ingress).spec).rules)) {
    for (const p of list(rec(rec(rule).http).paths)) {
      const backend = rec(rec(p).backend);
      const name = rec(backend.service).name ?? backend.serviceName;
      if (typeof name === "string") names.add(name);
    }
  }
  return names;
}

function* checkIngresses(
  names: readonly string[],
  service: string,
  path: string,
  ctx: ValidationContext,
): Checks {
  if (ctx.ingresses === undefined) return;
  for (const name of names) {
    const ingress = ctx.ingresses.get(name);
    if (ingress === undefined)
      yield invalid(path, name, notFound("ingress.networking.k8s.io", name));
    else if (!ingressBackendServices(ingress).has(service))
      yield invalid(path, name, ingressWithoutService(name, service));
  }
}

function* checkRouting(rollout: Rollout, ctx: ValidationContext): Checks {
  const canary = rollout.spec.strategy.canary;
  const tr = canary?.trafficRouting;
  if (canary === undefined || tr === undefined) return;
  const base = "spec.strategy.canary.trafficRouting";
  if (tr.nginx !== undefined) {
    const single = tr.nginx.stableIngress;
    const many = tr.nginx.stableIngresses;
    if ((single === undefined || single === "") === (many === undefined || many.length === 0)) {
      yield invalid(`${base}.nginx`, tr.nginx, MSG_NGINX_ONE_INGRESS);
    } else {
      const path = single ? `${base}.nginx.stableIngress` : `${base}.nginx.stableIngresses`;
      yield* checkIngresses(
        single ? [single] : (many ?? []),
        canary.stableService ?? "",
        path,
        ctx,
      );
    }
  }
  if (tr.alb !== undefined) {
    const single = tr.alb.ingress;
    const many = tr.alb.ingresses;
    if ((single === undefined || single === "") === (many === undefined || many.length === 0)) {
      yield invalid(`${base}.alb`, tr.alb, MSG_ALB_ONE_INGRESS);
    } else {
      const path = single ? `${base}.alb.ingress` : `${base}.alb.ingresses`;
      const service = tr.alb.rootService || canary.stableService || "";
      yield* checkIngresses(single ? [single] : (many ?? []), service, path, ctx);
    }
  }
  if (tr.istio !== undefined) yield* checkIstioVirtualServices(canary, tr.istio, ctx);
  if (tr.ambassador !== undefined && ctx.ambassadorMappings !== undefined) {
    for (const name of tr.ambassador.mappings) {
      if (!ctx.ambassadorMappings.has(name)) {
        yield invalid(
          `${base}.ambassador.mappings`,
          name,
          notFound("mappings.getambassador.io", name),
        );
      }
    }
  }
}

export function* checkReferences(rollout: Rollout, ctx: ValidationContext): Checks {
  const template =
    rollout.spec.workloadRef === undefined ? rollout.spec.template : ctx.workload?.template;
  yield* checkServices(rollout, template, ctx);
  yield* checkAnalyses(rollout, ctx);
  yield* checkRouting(rollout, ctx);
}
