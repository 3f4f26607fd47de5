// The executor (DESIGN §4 step 3): applies one Plan to the cluster in the order the planner
// gave, stops at the first failure, and leaves the rest to the next pass. Every write is
// absolute (set replicas to N, selector hash = H), so a pass interrupted at any point and
// repeated converges on the same state.
import type { Logger } from "pino";
import type { RolloutStatus } from "../../api/rollout.js";
import type { PluginHost } from "../../plugins/host.js";
import { applyRouterCall } from "../../plugins/routers.js";
import { MANAGED_BY_ROLLOUTS_ANNOTATION, POD_TEMPLATE_HASH_LABEL } from "../../rollout/keys.js";
import type { KeyChanges, Plan, PlanAction } from "../../rollout/plan-types.js";
import type { EventRecorder } from "../../runtime/events.js";
import type { Informer } from "../../runtime/informer.js";
import type { KubeClient } from "../../runtime/kube.js";
import { isAlreadyExists, isNotFound } from "../../runtime/kube-errors.js";
import { type KubeObject, RESOURCES, resourcePath } from "../../runtime/kube-resources.js";
import { createMergePatch } from "../merge-patch.js";

export interface ExecuteDeps {
  client: KubeClient;
  recorder: EventRecorder;
  /** Pods of the Rollout's namespace, for in-place metadata patches. */
  pods: Informer;
  log: Logger;
  /** The plugin host; without it a plan with router actions fails visibly. */
  plugins?: PluginHost;
  /** Told how long each router action took (for the per-pass traffic routing histogram). */
  onRouterSeconds?: (seconds: number) => void;
}

/** Thrown when a plan asks for something this build cannot do yet; the pass fails visibly. */
export class UnsupportedActionError extends Error {
  override readonly name = "UnsupportedActionError";
}

/** A JSON merge patch for a label/annotation map: null removes a key. */
function keyPatch(changes: KeyChanges | undefined): Record<string, string | null> | undefined {
  if (changes === undefined || Object.keys(changes).length === 0) return undefined;
  return { ...changes };
}

function compact(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = v;
  return out;
}

async function applyAction(deps: ExecuteDeps, raw: KubeObject, action: PlanAction): Promise<void> {
  const { client } = deps;
  const namespace = raw.metadata.namespace ?? "default";
  const rolloutName = raw.metadata.name;
  switch (action.kind) {
    case "createReplicaSet": {
      try {
        await client.create(RESOURCES.replicaSets, action.replicaSet as unknown as KubeObject);
      } catch (error) {
        // Created by an earlier pass whose status write was lost: the next pass sees it.
        if (!isAlreadyExists(error)) throw error;
      }
      return;
    }
    case "updateReplicaSet": {
      const templateMetadata = compact({
        labels: keyPatch(action.templateLabels),
        annotations: keyPatch(action.templateAnnotations),
      });
      const template = compact({
        metadata: Object.keys(templateMetadata).length > 0 ? templateMetadata : undefined,
        spec: action.affinity === undefined ? undefined : { affinity: action.affinity },
      });
      const spec = compact({
        replicas: action.replicas,
        template: Object.keys(template).length > 0 ? template : undefined,
      });
      const metadata = compact({ annotations: keyPatch(action.annotations) });
      const patch = compact({
        metadata: Object.keys(metadata).length > 0 ? metadata : undefined,
        spec: Object.keys(spec).length > 0 ? spec : undefined,
      });
      if (Object.keys(patch).length === 0) return;
      await client.patch(RESOURCES.replicaSets, namespace, action.name, patch);
      return;
    }
    case "deleteReplicaSet": {
      try {
        await client.delete(RESOURCES.replicaSets, namespace, action.name, {
          propagationPolicy: "Background",
          ...(action.uid === undefined ? {} : { uid: action.uid }),
        });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      return;
    }
    case "setServiceSelector": {
      // spec/rollout-behavior.md §5.5: the Service keeps its own selector and gains the hash.
      await client.patch(RESOURCES.services, namespace, action.service, {
        metadata: { annotations: { [MANAGED_BY_ROLLOUTS_ANNOTATION]: action.rollout } },
        spec: { selector: { [POD_TEMPLATE_HASH_LABEL]: action.podTemplateHash } },
      });
      return;
    }
    case "patchPodMetadata": {
      const patch = compact({
        labels: keyPatch(action.labels),
        annotations: keyPatch(action.annotations),
      });
      if (Object.keys(patch).length === 0) return;
      const pods = deps.pods
        .listByNamespace(namespace)
        .filter((pod) => pod.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === action.podTemplateHash);
      for (const pod of pods) {
        try {
          await client.patch(RESOURCES.pods, namespace, pod.metadata.name, { metadata: patch });
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }
      return;
    }
    case "evictPod": {
      try {
        await client.request({
          method: "POST",
          path: resourcePath(RESOURCES.pods, {
            namespace,
            name: action.name,
            subresource: "eviction",
          }),
          body: {
            apiVersion: "policy/v1",
            kind: "Eviction",
            metadata: { name: action.name, namespace },
          },
          verb: "create",
          kind: "pods/eviction",
          namespace,
        });
      } catch (error) {
        // A PodDisruptionBudget refusing (429) is retried by a later pass (§7.7).
        if (isNotFound(error)) return;
        if (error instanceof Error && "statusCode" in error && error.statusCode === 429) return;
        throw error;
      }
      return;
    }
    case "patchRollout": {
      const metadata = compact({ annotations: keyPatch(action.annotations) });
      const patch = compact({
        metadata: Object.keys(metadata).length > 0 ? metadata : undefined,
        spec: action.specReplicas === undefined ? undefined : { replicas: action.specReplicas },
      });
      if (Object.keys(patch).length === 0) return;
      await client.patch(RESOURCES.rollouts, namespace, rolloutName, patch);
      return;
    }
    case "scaleWorkload": {
      await client.patch(RESOURCES.deployments, namespace, action.name, {
        spec: { replicas: action.replicas },
      });
      return;
    }
    case "router": {
      // Every configured router gets the call, in order; a failure throws RouterActionError
      // and stops the plan here, so nothing after it (status included) is applied.
      if (deps.plugins === undefined) {
        throw new UnsupportedActionError(
          `Rollout ${namespace}/${rolloutName}: the plan asks for a traffic router call but this controller runs without a plugin host`,
        );
      }
      const started = performance.now();
      try {
        await applyRouterCall(deps.plugins, raw, action.call, deps.log);
      } finally {
        deps.onRouterSeconds?.((performance.now() - started) / 1000);
      }
      return;
    }
    case "createAnalysisRun": {
      try {
        await client.create(RESOURCES.analysisRuns, action.manifest as unknown as KubeObject);
      } catch (error) {
        // Created by an earlier pass the cache has not shown yet: the next pass follows it.
        if (!isAlreadyExists(error)) throw error;
      }
      return;
    }
    case "terminateAnalysisRun": {
      try {
        await client.patch(RESOURCES.analysisRuns, namespace, action.name, {
          spec: { terminate: true },
        });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      return;
    }
    case "deleteAnalysisRun": {
      try {
        await client.delete(RESOURCES.analysisRuns, namespace, action.name, {
          ...(action.uid === undefined ? {} : { uid: action.uid }),
        });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      return;
    }
  }
}

/**
 * Apply `plan` to the Rollout `raw` (as the informer cache holds it). Actions in order, then
 * the status (only what changed), then the events.
 */
export async function executePlan(
  deps: ExecuteDeps,
  raw: KubeObject,
  observedStatus: RolloutStatus | undefined,
  plan: Plan,
): Promise<{ statusWritten: boolean; resourceVersion?: string | undefined }> {
  const namespace = raw.metadata.namespace ?? "default";
  const name = raw.metadata.name;
  for (const action of plan.actions) {
    deps.log.debug({ action: action.kind }, "applying plan action");
    await applyAction(deps, raw, action);
  }
  // Only the changed status fields are sent, as a merge patch on the status subresource: the
  // controller is the status' one writer (leader election), so no resourceVersion is needed
  // and a pass never fails on a cache that has not yet seen the previous pass's own write.
  const statusPatch = createMergePatch(observedStatus ?? {}, plan.status);
  const statusWritten = statusPatch !== undefined;
  let resourceVersion: string | undefined;
  if (statusWritten) {
    const written = await deps.client.patch(
      RESOURCES.rollouts,
      namespace,
      name,
      { status: statusPatch },
      {
        subresource: "status",
      },
    );
    resourceVersion = written.metadata.resourceVersion;
  }
  for (const event of plan.events) {
    deps.recorder.event(raw, event.type, event.reason, event.message);
  }
  return { statusWritten, resourceVersion };
}
