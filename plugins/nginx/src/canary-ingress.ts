// The canary Ingress built from a stable one (spec/traffic-routers.md 2.1), and the merge
// patch that brings a live canary Ingress to it. Pure functions: the router does the I/O.
import { objectAt, ownerReference, type RolloutInfo, sameJson } from "@sluice/router-common";
import { isJsonObject, type JsonObject, PluginError } from "@sluice/sdk";
import type { NginxConfig } from "./config.js";

const CLASS_ANNOTATION = "kubernetes.io/ingress.class";

/** `<rollout>-<stableIngress>` cut to 246 characters, then `-canary` (the original's name). */
export function canaryIngressName(rollout: string, stableIngress: string): string {
  return `${`${rollout}-${stableIngress}`.slice(0, 246)}-canary`;
}

/** The annotations the router owns on the canary Ingress; `null` asks for removal. */
export type AnnotationChanges = Record<string, string | null>;

export function weightAnnotations(
  config: NginxConfig,
  weight: number,
  maxTrafficWeight: number | undefined,
): Record<string, string> {
  const prefix = config.annotationPrefix;
  const result: Record<string, string> = {};
  // Order as the original applies them: additional (prefixed), canary (verbatim, wins on a
  // collision), then the canary switch and weights, which always win.
  for (const [key, value] of Object.entries(config.additionalIngressAnnotations)) {
    result[key.startsWith(prefix) ? key : `${prefix}/${key}`] = value;
  }
  Object.assign(result, config.canaryIngressAnnotations);
  result[`${prefix}/canary`] = "true";
  result[`${prefix}/canary-weight`] = String(weight);
  if (maxTrafficWeight !== undefined) {
    result[`${prefix}/canary-weight-total`] = String(maxTrafficWeight);
  }
  return result;
}

function backendService(path: unknown): string | undefined {
  if (!isJsonObject(path)) return undefined;
  const name = objectAt(path, "backend", "service")?.name;
  return typeof name === "string" ? name : undefined;
}

function renameBackend(path: unknown, from: string, to: string): unknown {
  if (!isJsonObject(path) || backendService(path) !== from) return path;
  const backend = objectAt(path, "backend") ?? {};
  const service = objectAt(path, "backend", "service") ?? {};
  return { ...path, backend: { ...backend, service: { ...service, name: to } } };
}

/**
 * The canary Ingress's spec: every stable rule with a path to `stableService`, copied whole
 * with those backends renamed to `canaryService` (the rule's other paths are copied unchanged,
 * as the original does), plus `tls` and `ingressClassName`.
 */
export function canarySpec(
  stable: JsonObject,
  stableName: string,
  rollout: RolloutInfo,
): JsonObject {
  const spec = objectAt(stable, "spec") ?? {};
  const rules = Array.isArray(spec.rules) ? spec.rules : [];
  const canaryRules: unknown[] = [];
  for (const rule of rules) {
    if (!isJsonObject(rule)) continue;
    const http = objectAt(rule, "http");
    const paths = http !== undefined && Array.isArray(http.paths) ? http.paths : [];
    if (!paths.some((path) => backendService(path) === rollout.stableService)) continue;
    canaryRules.push({
      ...rule,
      http: {
        ...http,
        paths: paths.map((path) =>
          renameBackend(path, rollout.stableService, rollout.canaryService),
        ),
      },
    });
  }
  if (canaryRules.length === 0) {
    throw new PluginError(
      `ingress \`${stableName}\` has no rules using service ${rollout.stableService} backend; point a path of Ingress ${rollout.namespace}/${stableName} at the Rollout's stableService or fix nginx.stableIngress`,
    );
  }
  const result: Record<string, unknown> = {};
  if (spec.ingressClassName !== undefined) result.ingressClassName = spec.ingressClassName;
  if (spec.tls !== undefined) result.tls = spec.tls;
  result.rules = canaryRules;
  return result;
}

/** The class annotation is the only stable annotation the canary copies. */
export function copiedAnnotations(stable: JsonObject): Record<string, string> {
  const value = objectAt(stable, "metadata", "annotations")?.[CLASS_ANNOTATION];
  return typeof value === "string" ? { [CLASS_ANNOTATION]: value } : {};
}

export function newCanaryIngress(
  name: string,
  rollout: RolloutInfo,
  annotations: AnnotationChanges,
  spec: JsonObject,
): JsonObject {
  const present: Record<string, string> = {};
  for (const [key, value] of Object.entries(annotations)) if (value !== null) present[key] = value;
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: {
      name,
      namespace: rollout.namespace,
      annotations: present,
      ownerReferences: [ownerReference(rollout)],
    },
    spec,
  };
}

/**
 * The JSON merge patch from the live canary Ingress to the desired annotations and spec, or
 * undefined when nothing differs (no write). Live annotations the router does not set are
 * kept (other controllers add some); live labels are left alone (the original wipes them,
 * which we do not copy); spec fields absent from the desired spec are removed.
 */
export function canaryPatch(
  live: JsonObject,
  annotations: AnnotationChanges,
  spec: JsonObject | undefined,
): JsonObject | undefined {
  const liveAnnotations = objectAt(live, "metadata", "annotations") ?? {};
  const annotationPatch: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(annotations)) {
    const current = liveAnnotations[key];
    if (value === null ? current !== undefined : current !== value) annotationPatch[key] = value;
  }
  const specPatch: Record<string, unknown> = {};
  if (spec !== undefined) {
    const liveSpec = objectAt(live, "spec") ?? {};
    for (const [key, value] of Object.entries(spec)) {
      if (!sameJson(liveSpec[key], value)) specPatch[key] = value;
    }
    for (const key of Object.keys(liveSpec)) if (!(key in spec)) specPatch[key] = null;
  }
  const patch: Record<string, unknown> = {};
  if (Object.keys(annotationPatch).length > 0) patch.metadata = { annotations: annotationPatch };
  if (Object.keys(specPatch).length > 0) patch.spec = specPatch;
  return Object.keys(patch).length > 0 ? patch : undefined;
}
