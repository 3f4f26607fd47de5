// The Plan: everything one reconcile pass wants done, as data (DESIGN §4 step 2).
//
// Contract with the executor:
// * `actions` are applied in array order; the planner already orders them safely (scale up
//   before traffic moves, traffic away before scale down). Stop at the first failure; the
//   next pass re-plans from what the cluster then says.
// * Every action is absolute ("set replicas to 5", "selector hash = x"), so repeating one is
//   harmless: applying a plan twice leaves the cluster as applying it once.
// * `status` is the complete new Rollout status. Write it last, and only when it differs
//   from the observed status (merge patch of the changed fields or a full status update).
// * `events` are emitted after the actions succeed; `requeueAfterSeconds` asks for another
//   pass even if nothing changes in between (timed pauses, scale-down deadlines, restarts).
import type { LabelSelector } from "../api/common.js";
import type { RolloutStatus } from "../api/rollout.js";
import type { PodTemplateLike } from "./observed.js";

/** A ReplicaSet to create (spec §7.1). Owner reference and namespace are filled in. */
export interface ReplicaSetManifest {
  apiVersion: "apps/v1";
  kind: "ReplicaSet";
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    ownerReferences: Array<{
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller: true;
      blockOwnerDeletion: true;
    }>;
  };
  spec: {
    replicas: number;
    minReadySeconds: number;
    selector: LabelSelector;
    template: PodTemplateLike;
  };
}

/** A set of key changes: a string sets the key, null removes it. */
export type KeyChanges = Record<string, string | null>;

export type PlanAction =
  /** Create the new RS. If the name exists with another template, raise collisionCount (status) next pass. */
  | { kind: "createReplicaSet"; replicaSet: ReplicaSetManifest }
  /**
   * Patch one RS. Any subset of: spec.replicas, metadata annotations/labels, and the
   * pod template's labels/annotations (ephemeral metadata, anti-affinity). `affinity` is the
   * complete new spec.template.spec.affinity (null removes it).
   */
  | {
      kind: "updateReplicaSet";
      name: string;
      replicas?: number;
      annotations?: KeyChanges;
      templateLabels?: KeyChanges;
      templateAnnotations?: KeyChanges;
      affinity?: Record<string, unknown> | null;
    }
  /** Delete an old RS beyond revisionHistoryLimit (§7.3); preconditioned on uid. */
  | { kind: "deleteReplicaSet"; name: string; uid: string | undefined }
  /**
   * Point a Service at one RS: set selector `rollouts-pod-template-hash: <hash>` and annotation
   * `argo-rollouts.argoproj.io/managed-by-rollouts: <rollout>` (§5.5).
   */
  | { kind: "setServiceSelector"; service: string; podTemplateHash: string; rollout: string }
  /** Patch labels/annotations of the running pods of one RS in place (§7.9). */
  | {
      kind: "patchPodMetadata";
      podTemplateHash: string;
      labels: KeyChanges;
      annotations: KeyChanges;
    }
  /** Evict one pod (restart, §7.7). A 429 from a PodDisruptionBudget is skipped, not an error. */
  | { kind: "evictPod"; name: string }
  /** Patch the Rollout object itself (not its status): spec.replicas default, annotations. */
  | { kind: "patchRollout"; specReplicas?: number; annotations?: KeyChanges }
  /** Scale the Deployment of a workloadRef (scaleDown modes, §1.5). */
  | { kind: "scaleWorkload"; name: string; replicas: number }
  /**
   * One call sent to every configured router, in the routers' fixed order; the first
   * failure stops the plan (spec/traffic-routers.md §1.4, §3). Every call is absolute and
   * repeated on every pass, so a router that missed one catches up on the next pass.
   */
  | { kind: "router"; call: RouterCall }
  /** Create an AnalysisRun (spec/analysis-and-providers.md §3.2); AlreadyExists is success. */
  | { kind: "createAnalysisRun"; name: string; manifest: Record<string, unknown> }
  /** Patch `spec.terminate: true` on a run that is no longer needed (§3.3). */
  | { kind: "terminateAnalysisRun"; name: string }
  /** Delete a finished run beyond the history limits (§3.3); preconditioned on uid. */
  | { kind: "deleteAnalysisRun"; name: string; uid: string | undefined };

/**
 * Router calls of spec/traffic-routers.md §1.3. `setHeaderRoute.step` / `setMirrorRoute.step`
 * are the canary step's `setHeaderRoute` / `setMirrorRoute` object as the user wrote it.
 * `verifyWeight` is never planned: it is a read, done by the observe step, whose answer
 * arrives as Observed.routers. It stays in the union only so executors that already handle
 * it keep compiling.
 */
export type RouterCall =
  | { method: "updateHash"; canaryHash: string; stableHash: string }
  | { method: "setWeight"; weight: number }
  | { method: "setHeaderRoute"; step: Record<string, unknown> }
  | { method: "setMirrorRoute"; step: Record<string, unknown> }
  | { method: "verifyWeight"; weight: number }
  | { method: "removeManagedRoutes" };

export interface PlanEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

export interface Plan {
  actions: PlanAction[];
  /** The complete new status (write last, only when changed). */
  status: RolloutStatus;
  events: PlanEvent[];
  /** Look again after this many seconds even without a watch event; undefined = no timer. */
  requeueAfterSeconds?: number;
}
