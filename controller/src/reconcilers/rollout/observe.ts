// Observe (DESIGN §4 step 1): gather what the planner reads about one Rollout from the
// informer caches. No writes, no API calls: a pass sees one consistent-enough snapshot and
// the next event or timer brings the next.
import type { PodTemplateSpec } from "../../api/common.js";
import { parseAnalysisTemplate, parseClusterAnalysisTemplate } from "../../api/parse.js";
import type { Rollout } from "../../api/rollout.js";
import type { PluginHost } from "../../plugins/host.js";
import { observeRouters, type RouterObservation } from "../../plugins/routers.js";
import type {
  AnalysisRunLike,
  AnalysisTemplateLookup,
  Observed,
  ReferencedWorkload,
  ReplicaSetLike,
  ServiceLike,
} from "../../rollout/observed.js";
import type { Informer } from "../../runtime/informer.js";
import { controllerOf, type KubeObject } from "../../runtime/kube-resources.js";

export type { RouterObservation } from "../../plugins/routers.js";

export interface RolloutCaches {
  rollouts: Informer;
  replicaSets: Informer;
  services: Informer;
  pods: Informer;
  deployments: Informer;
  replicaSetsForWorkload?: Informer;
  analysisRuns?: Informer;
  analysisTemplates?: Informer;
  clusterAnalysisTemplates?: Informer;
}

/** Template specs from the caches; an object that does not parse counts as missing. */
function templateLookup(namespace: string, caches: RolloutCaches): AnalysisTemplateLookup {
  return (name, clusterScope) => {
    const raw = clusterScope
      ? caches.clusterAnalysisTemplates?.get(undefined, name)
      : caches.analysisTemplates?.get(namespace, name);
    if (raw === undefined) return undefined;
    const parsed = clusterScope ? parseClusterAnalysisTemplate(raw) : parseAnalysisTemplate(raw);
    return parsed.ok ? parsed.value.spec : undefined;
  };
}

/** The Services a strategy names (each may be absent from the cluster: the planner says so). */
export function serviceNamesOf(rollout: Rollout): string[] {
  const names: Array<string | undefined> = [];
  const canary = rollout.spec.strategy.canary;
  const blueGreen = rollout.spec.strategy.blueGreen;
  if (canary !== undefined) {
    names.push(canary.canaryService, canary.stableService);
    names.push(canary.pingPong?.pingService, canary.pingPong?.pongService);
  }
  if (blueGreen !== undefined) names.push(blueGreen.activeService, blueGreen.previewService);
  return [...new Set(names.filter((n): n is string => n !== undefined && n !== ""))];
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** A workloadRef target as the planner needs it (spec §1.5); undefined when absent. */
function resolveWorkload(
  rollout: Rollout,
  namespace: string,
  caches: RolloutCaches,
): ReferencedWorkload | undefined {
  const ref = rollout.spec.workloadRef;
  if (ref?.name === undefined || ref.kind === undefined) return undefined;
  if (ref.kind !== "Deployment") return undefined;
  const deployment = caches.deployments.get(namespace, ref.name);
  if (deployment === undefined) return undefined;
  const spec = asRecord(deployment.spec);
  const workload: ReferencedWorkload = { kind: ref.kind, name: ref.name };
  if (deployment.metadata.generation !== undefined) {
    workload.generation = deployment.metadata.generation;
  }
  const template = asRecord(spec?.template);
  if (template !== undefined) workload.template = template as PodTemplateSpec;
  const selector = asRecord(spec?.selector);
  if (selector !== undefined) workload.selector = selector;
  if (typeof spec?.replicas === "number") workload.replicas = spec.replicas;
  return workload;
}

/** Everything the planner needs for `rollout` (already parsed from `raw`). */
export function observeRollout(raw: KubeObject, rollout: Rollout, caches: RolloutCaches): Observed {
  const namespace = raw.metadata.namespace ?? "default";
  const uid = raw.metadata.uid ?? "";
  const replicaSets = caches.replicaSets.listByOwner(uid).filter((rs) => {
    const owner = controllerOf(rs);
    return owner?.kind === "Rollout" && owner.uid === uid;
  }) as unknown as ReplicaSetLike[];
  const services = new Map<string, ServiceLike>();
  for (const name of serviceNamesOf(rollout)) {
    const service = caches.services.get(namespace, name);
    if (service !== undefined) services.set(name, service as unknown as ServiceLike);
  }
  const observed: Observed = { rollout, replicaSets, services };
  if (rollout.spec.restartAt !== undefined) {
    const rsUids = new Set(replicaSets.map((rs) => rs.metadata?.uid ?? ""));
    observed.pods = caches.pods.listByNamespace(namespace).filter((pod) => {
      const owner = controllerOf(pod);
      return owner !== undefined && rsUids.has(owner.uid);
    }) as unknown as ReplicaSetLike[];
  }
  if (caches.analysisRuns !== undefined) {
    const runs = caches.analysisRuns;
    observed.analysisRuns = runs.listByOwner(uid).filter((run) => {
      const owner = controllerOf(run);
      return owner?.kind === "Rollout" && owner.uid === uid;
    }) as unknown as AnalysisRunLike[];
    observed.analysisRunNameTaken = (name) => runs.get(namespace, name) !== undefined;
    observed.analysisTemplate = templateLookup(namespace, caches);
  }
  const workload = resolveWorkload(rollout, namespace, caches);
  if (workload !== undefined) observed.workload = workload;
  return observed;
}

/**
 * VerifyWeight reads external state, so it belongs to observation: every router of the
 * Rollout is asked whether the weight in status.canary.weights is served, and the answers are
 * combined (all must verify; NOT_IMPLEMENTED never blocks; a plugin that cannot answer counts
 * as not verified). Undefined without routers, without a host, or before any weight was set.
 */
export async function observeRolloutRouters(
  raw: KubeObject,
  plugins: PluginHost | undefined,
): Promise<RouterObservation | undefined> {
  if (plugins === undefined) return undefined;
  return observeRouters(plugins, raw);
}
