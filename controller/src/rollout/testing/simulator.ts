// A pure stand-in for the executor and the Kubernetes ReplicaSet controller, so tests can
// drive a Rollout pass by pass: plan -> applyPlan (executor) -> settle (pods come and go).

import type { AnalysisTemplateSpec } from "../../api/analysis.js";
import type { Rollout } from "../../api/rollout.js";
import { MANAGED_BY_ROLLOUTS_ANNOTATION, POD_TEMPLATE_HASH_LABEL } from "../keys.js";
import type {
  AnalysisRunLike,
  Observed,
  ReplicaSetLike,
  RouterObservation,
  ServiceLike,
} from "../observed.js";
import { type PlanOptions, plan } from "../plan.js";
import type { KeyChanges, Plan, RouterCall } from "../plan-types.js";

/** What the (one, simulated) traffic router holds after the calls it received. */
export interface RouterState {
  weight?: number;
  canaryHash?: string;
  stableHash?: string;
  /** Managed routes by name: the setHeaderRoute / setMirrorRoute step that created them. */
  routes: Record<string, { method: "setHeaderRoute" | "setMirrorRoute"; step: unknown }>;
}

/**
 * What the observe step reports as Observed.routers: a fixed answer, or "matchesState" (a
 * router that verifies the weight recorded in status against what it really holds).
 */
export type RouterAnswer = RouterObservation | "matchesState";

export interface Cluster {
  rollout: Rollout;
  replicaSets: ReplicaSetLike[];
  services: Record<string, ServiceLike>;
  now: Date;
  /** Traffic router state; created by the first router call. */
  router?: RouterState;
  /** Absent: Observed.routers is not set (no router can verify). */
  routerAnswer?: RouterAnswer;
  /** AnalysisRuns the plans created (tests set their status.phase). */
  analysisRuns?: AnalysisRunLike[];
  /** AnalysisTemplate specs by name; `cluster/<name>` for ClusterAnalysisTemplates. */
  analysisTemplates?: Record<string, AnalysisTemplateSpec>;
}

/** Applies one router call to the simulated router (every call is absolute). */
export function applyRouterCall(state: RouterState | undefined, call: RouterCall): RouterState {
  const next: RouterState = structuredClone(state ?? { routes: {} });
  switch (call.method) {
    case "setWeight":
      next.weight = call.weight;
      break;
    case "updateHash":
      next.canaryHash = call.canaryHash;
      next.stableHash = call.stableHash;
      break;
    case "setHeaderRoute":
    case "setMirrorRoute": {
      const name = typeof call.step.name === "string" ? call.step.name : "";
      // traffic-routers.md §1.2: no match = remove the route.
      if (call.step.match === undefined || call.step.match === null) delete next.routes[name];
      else next.routes[name] = { method: call.method, step: structuredClone(call.step) };
      break;
    }
    case "removeManagedRoutes":
      next.routes = {};
      break;
    case "verifyWeight":
      break;
  }
  return next;
}

function describeCall(call: RouterCall): string {
  switch (call.method) {
    case "setWeight":
    case "verifyWeight":
      return `${call.method}(${call.weight})`;
    case "updateHash":
      return `updateHash(${call.canaryHash},${call.stableHash})`;
    case "setHeaderRoute":
    case "setMirrorRoute":
      return `${call.method}(${String(call.step.name)})`;
    case "removeManagedRoutes":
      return "removeManagedRoutes";
  }
}

/** Router calls of a plan as short text: `setWeight(20)`, `updateHash(abc,def)`. */
export function routerCalls(planned: Plan): string[] {
  return planned.actions.flatMap((action) =>
    action.kind === "router" ? [describeCall(action.call)] : [],
  );
}

function applyKeys(
  target: Record<string, string> | undefined,
  changes: KeyChanges | undefined,
): Record<string, string> {
  const out = { ...(target ?? {}) };
  for (const [key, value] of Object.entries(changes ?? {})) {
    if (value === null) delete out[key];
    else out[key] = value;
  }
  return out;
}

/** What the executor would do: apply each action to a copy of the cluster, status last. */
export function applyPlan(cluster: Cluster, planned: Plan): Cluster {
  const next: Cluster = structuredClone(cluster);
  let createdOffset = next.replicaSets.length;
  for (const action of planned.actions) {
    switch (action.kind) {
      case "createReplicaSet": {
        const manifest = action.replicaSet;
        if (next.replicaSets.some((rs) => rs.metadata?.name === manifest.metadata.name)) break;
        createdOffset++;
        next.replicaSets.push({
          metadata: {
            ...structuredClone(manifest.metadata),
            uid: `uid-${manifest.metadata.name}`,
            generation: 1,
            // Creation order must be strict even when passes share a clock reading.
            creationTimestamp: new Date(next.now.getTime() + createdOffset).toISOString(),
          },
          spec: structuredClone(manifest.spec),
          status: { replicas: 0, readyReplicas: 0, availableReplicas: 0, observedGeneration: 1 },
        });
        break;
      }
      case "updateReplicaSet": {
        const rs = next.replicaSets.find((candidate) => candidate.metadata?.name === action.name);
        if (rs === undefined || rs.spec === undefined)
          throw new Error(`plan updates missing ReplicaSet ${action.name}`);
        rs.metadata = { ...rs.metadata };
        if (action.replicas !== undefined && action.replicas !== rs.spec.replicas) {
          rs.spec.replicas = action.replicas;
          rs.metadata.generation = (rs.metadata.generation ?? 1) + 1;
        }
        if (action.annotations !== undefined)
          rs.metadata.annotations = applyKeys(rs.metadata.annotations, action.annotations);
        const template = rs.spec.template ?? {};
        if (action.templateLabels !== undefined || action.templateAnnotations !== undefined) {
          template.metadata = {
            ...template.metadata,
            labels: applyKeys(template.metadata?.labels, action.templateLabels),
            annotations: applyKeys(template.metadata?.annotations, action.templateAnnotations),
          };
        }
        if (action.affinity !== undefined) {
          const spec = { ...((template.spec as Record<string, unknown> | undefined) ?? {}) };
          if (action.affinity === null) delete spec.affinity;
          else spec.affinity = action.affinity;
          template.spec = spec;
        }
        rs.spec.template = template;
        break;
      }
      case "deleteReplicaSet":
        next.replicaSets = next.replicaSets.filter((rs) => rs.metadata?.name !== action.name);
        break;
      case "setServiceSelector": {
        const service = next.services[action.service];
        if (service === undefined)
          throw new Error(`plan switches missing Service ${action.service}`);
        service.spec = {
          ...service.spec,
          selector: {
            ...service.spec?.selector,
            [POD_TEMPLATE_HASH_LABEL]: action.podTemplateHash,
          },
        };
        service.metadata = {
          ...service.metadata,
          annotations: {
            ...service.metadata?.annotations,
            [MANAGED_BY_ROLLOUTS_ANNOTATION]: action.rollout,
          },
        };
        break;
      }
      case "patchRollout":
        if (action.specReplicas !== undefined) next.rollout.spec.replicas = action.specReplicas;
        if (action.annotations !== undefined) {
          next.rollout.metadata.annotations = applyKeys(
            next.rollout.metadata.annotations,
            action.annotations,
          );
        }
        break;
      case "router":
        next.router = applyRouterCall(next.router, action.call);
        break;
      case "patchPodMetadata":
      case "evictPod":
      case "scaleWorkload":
        // Pods and workloads are not modelled by this simulator.
        break;
      case "createAnalysisRun": {
        const runs = next.analysisRuns ?? [];
        if (runs.some((r) => r.metadata?.name === action.name)) break;
        const metadata = structuredClone(action.manifest.metadata) as Record<string, unknown>;
        runs.push({
          metadata: {
            ...metadata,
            uid: `uid-${action.name}`,
            creationTimestamp: new Date(next.now.getTime() + runs.length).toISOString(),
          },
          spec: {},
          manifest: structuredClone(action.manifest),
        } as AnalysisRunLike);
        next.analysisRuns = runs;
        break;
      }
      case "terminateAnalysisRun": {
        const run = next.analysisRuns?.find((r) => r.metadata?.name === action.name);
        if (run !== undefined) run.spec = { ...run.spec, terminate: true };
        break;
      }
      case "deleteAnalysisRun":
        next.analysisRuns = (next.analysisRuns ?? []).filter(
          (r) => r.metadata?.name !== action.name,
        );
        break;
    }
  }
  next.rollout.status = structuredClone(planned.status);
  return next;
}

/** How many of an RS's pods are available once it has settled; default: all of them. */
export type Availability = (rs: ReplicaSetLike) => number;

/** The ReplicaSet controller: pods follow spec.replicas at once. */
export function settle(cluster: Cluster, availability?: Availability): Cluster {
  const next: Cluster = structuredClone(cluster);
  for (const rs of next.replicaSets) {
    const replicas = rs.spec?.replicas ?? 0;
    const available = Math.min(replicas, availability === undefined ? replicas : availability(rs));
    rs.status = {
      ...rs.status,
      replicas,
      readyReplicas: available,
      availableReplicas: available,
      observedGeneration: rs.metadata?.generation ?? 1,
    };
  }
  return next;
}

/** The observe step's VerifyWeight: it checks the weight recorded in the Rollout's status. */
function observeRouters(cluster: Cluster): RouterObservation | undefined {
  const answer = cluster.routerAnswer;
  if (answer === undefined) return undefined;
  if (answer !== "matchesState") return structuredClone(answer);
  const recorded = cluster.rollout.status?.canary?.weights;
  if (recorded === undefined) return undefined;
  const router = cluster.router;
  return {
    verified:
      router?.weight === recorded.canary.weight &&
      router.canaryHash === recorded.canary.podTemplateHash,
  };
}

export function observe(cluster: Cluster): Observed {
  const routers = observeRouters(cluster);
  return {
    rollout: structuredClone(cluster.rollout),
    replicaSets: structuredClone(cluster.replicaSets),
    services: new Map(Object.entries(structuredClone(cluster.services))),
    ...(routers === undefined ? {} : { routers }),
    analysisRuns: structuredClone(cluster.analysisRuns ?? []),
    analysisRunNameTaken: (name) =>
      (cluster.analysisRuns ?? []).some((r) => r.metadata?.name === name),
    analysisTemplate: (name, clusterScope) =>
      cluster.analysisTemplates?.[clusterScope ? `cluster/${name}` : name],
  };
}

export interface PassResult {
  cluster: Cluster;
  plan: Plan;
}

/** One reconcile pass followed by the RS controller catching up. */
export function pass(
  cluster: Cluster,
  options: { availability?: Availability; plan?: PlanOptions } = {},
): PassResult {
  const planned = plan(observe(cluster), cluster.now, options.plan);
  return { cluster: settle(applyPlan(cluster, planned), options.availability), plan: planned };
}

export function advance(cluster: Cluster, seconds: number): Cluster {
  return { ...cluster, now: new Date(cluster.now.getTime() + seconds * 1000) };
}

/**
 * True when a plan would change nothing in the cluster: no action but router calls, the
 * router calls leave the router as it is (they are repeated every pass), same status.
 */
export function isNoop(cluster: Cluster, planned: Plan): boolean {
  let router = cluster.router;
  for (const action of planned.actions) {
    if (action.kind === "router") router = applyRouterCall(router, action.call);
  }
  return (
    planned.actions.every((action) => action.kind === "router") &&
    JSON.stringify(router) === JSON.stringify(cluster.router) &&
    JSON.stringify(planned.status) === JSON.stringify(cluster.rollout.status ?? {})
  );
}
