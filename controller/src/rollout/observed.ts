// What the planner reads: one Rollout and the objects around it, as the informer caches hold
// them (DESIGN §4 step 1). The interfaces name only the fields the planner reads, so
// @kubernetes/client-node's V1ReplicaSet / V1Service / V1Pod objects can be passed as they are.

import type { AnalysisTemplateSpec } from "../api/analysis.js";
import type { LabelSelector, PodTemplateSpec } from "../api/common.js";
import type { Rollout } from "../api/rollout.js";

/** A timestamp as the API gives it: RFC 3339 text (raw JSON) or a Date (client-node objects). */
export type Timestamp = string | Date;

export interface ObjectMetaLike {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: Timestamp;
  deletionTimestamp?: Timestamp;
  ownerReferences?: Array<{
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
  }>;
}

export interface PodTemplateLike {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: object;
}

export interface ReplicaSetConditionLike {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface ReplicaSetLike {
  metadata?: ObjectMetaLike;
  spec?: {
    replicas?: number;
    minReadySeconds?: number;
    selector: LabelSelector;
    template?: PodTemplateLike;
  };
  status?: {
    replicas: number;
    readyReplicas?: number;
    availableReplicas?: number;
    observedGeneration?: number;
    conditions?: ReplicaSetConditionLike[];
  };
}

export interface ServiceLike {
  metadata?: ObjectMetaLike;
  spec?: { selector?: Record<string, string> };
}

export interface PodLike {
  metadata?: ObjectMetaLike;
  status?: { conditions?: Array<{ type: string; status: string }> };
}

/** A workloadRef target, resolved by the caller (spec §1.5). */
export interface ReferencedWorkload {
  kind: string;
  name: string;
  generation?: number;
  template?: PodTemplateSpec;
  selector?: LabelSelector;
  /** Deployment only: spec.replicas, so scaleDown modes can be planned. */
  replicas?: number;
}

/** An AnalysisRun owned by the Rollout, as far as the planner reads it. */
export interface AnalysisRunLike {
  metadata?: ObjectMetaLike;
  spec?: { terminate?: boolean };
  status?: { phase?: string; message?: string };
}

/** A template's spec by name: namespaced ones in the Rollout's namespace, or cluster-scoped. */
export type AnalysisTemplateLookup = (
  name: string,
  clusterScope: boolean,
) => AnalysisTemplateSpec | undefined;

export interface Observed {
  /** The Rollout after schema validation and defaulting. */
  rollout: Rollout;
  /** ReplicaSets owned by (or adoptable by) this Rollout, experiment RSs excluded. */
  replicaSets: readonly ReplicaSetLike[];
  /** Services by name; only those the strategy names need to be present. A missing one is reported. */
  services: ReadonlyMap<string, ServiceLike>;
  /** Pods of this Rollout; needed only while a restart (spec.restartAt) is pending. */
  pods?: readonly PodLike[];
  /** workloadRef target, when the Rollout has one. */
  workload?: ReferencedWorkload;
  /**
   * Canary with trafficRouting only: the combined VerifyWeight answer of every configured
   * router, asked by the observe step before planning (spec/traffic-routers.md §1.4, §3).
   * What is verified: the weights recorded in the observed `status.canary.weights` (canary
   * weight and its podTemplateHash, plus `additional`), i.e. what the previous pass set.
   * Absent: nothing was asked (no traffic routing, or no weights recorded yet) = never blocks.
   */
  routers?: RouterObservation;
  /** AnalysisRuns whose controller owner is this Rollout. */
  analysisRuns?: readonly AnalysisRunLike[];
  /** Templates for building runs; absent means none exist. */
  analysisTemplate?: AnalysisTemplateLookup;
  /** Whether an AnalysisRun of this name exists in the namespace (any owner). */
  analysisRunNameTaken?: (name: string) => boolean;
}

/** The routers' combined VerifyWeight answer (see Observed.routers). */
export interface RouterObservation {
  /**
   * Any router answered NotVerified ⇒ false; else any Verified ⇒ true; else (every router
   * answered NotImplemented) undefined, which never blocks a step.
   */
  verified: boolean | undefined;
  /**
   * Set when a router could not answer (plugin missing, down, timed out, garbage reply):
   * text naming the plugin and the failure, e.g. `plugin "argoproj-labs/smi": deadline
   * exceeded`. A step then waits and status.message carries this text.
   */
  error?: string;
}
