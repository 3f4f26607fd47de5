import type { ResourceType } from "./registry.js";

function builtin(
  group: string,
  version: string,
  plural: string,
  kind: string,
  options: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    version,
    plural,
    singular: kind.toLowerCase(),
    kind,
    namespaced: true,
    shortNames: [],
    categories: [],
    statusSubresource: false,
    builtin: true,
    ...options,
  };
}

const replicasScale = {
  specReplicasPath: ".spec.replicas",
  statusReplicasPath: ".status.replicas",
  labelSelectorPath: ".status.selector",
};

/** The built-in kinds devcluster serves (issue 3, API surface). */
export const BUILTIN_RESOURCES: ResourceType[] = [
  builtin("", "v1", "namespaces", "Namespace", {
    namespaced: false,
    shortNames: ["ns"],
    statusSubresource: true,
    fieldLabels: ["status.phase"],
  }),
  builtin("", "v1", "nodes", "Node", {
    namespaced: false,
    shortNames: ["no"],
    statusSubresource: true,
  }),
  builtin("", "v1", "pods", "Pod", {
    shortNames: ["po"],
    categories: ["all"],
    statusSubresource: true,
    extraSubresources: ["log"],
    fieldLabels: [
      "status.phase",
      "spec.nodeName",
      "spec.restartPolicy",
      "spec.schedulerName",
      "spec.serviceAccountName",
      "status.podIP",
      "status.nominatedNodeName",
    ],
  }),
  builtin("", "v1", "services", "Service", {
    shortNames: ["svc"],
    categories: ["all"],
    statusSubresource: true,
  }),
  builtin("", "v1", "endpoints", "Endpoints", { shortNames: ["ep"], singular: "endpoints" }),
  builtin("", "v1", "configmaps", "ConfigMap", { shortNames: ["cm"] }),
  builtin("", "v1", "secrets", "Secret", { fieldLabels: ["type"] }),
  builtin("", "v1", "events", "Event", {
    shortNames: ["ev"],
    fieldLabels: [
      "involvedObject.kind",
      "involvedObject.namespace",
      "involvedObject.name",
      "involvedObject.uid",
      "involvedObject.apiVersion",
      "involvedObject.resourceVersion",
      "involvedObject.fieldPath",
      "reason",
      "reportingComponent",
      "source",
      "type",
    ],
  }),
  builtin("", "v1", "serviceaccounts", "ServiceAccount", { shortNames: ["sa"] }),
  // Stored apart from core/v1 events (no conversion between the two shapes).
  builtin("events.k8s.io", "v1", "events", "Event", {
    shortNames: ["ev"],
    fieldLabels: [
      "regarding.name",
      "regarding.namespace",
      "regarding.kind",
      "regarding.uid",
      "reason",
      "type",
      "reportingController",
    ],
  }),
  builtin("apps", "v1", "replicasets", "ReplicaSet", {
    shortNames: ["rs"],
    categories: ["all"],
    statusSubresource: true,
    scale: replicasScale,
    fieldLabels: ["status.replicas"],
  }),
  builtin("apps", "v1", "deployments", "Deployment", {
    shortNames: ["deploy"],
    categories: ["all"],
    statusSubresource: true,
    scale: replicasScale,
  }),
  builtin("batch", "v1", "jobs", "Job", {
    categories: ["all"],
    statusSubresource: true,
    fieldLabels: ["status.successful"],
  }),
  builtin("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", {
    shortNames: ["pdb"],
    statusSubresource: true,
  }),
  builtin("networking.k8s.io", "v1", "ingresses", "Ingress", {
    shortNames: ["ing"],
    statusSubresource: true,
  }),
  builtin("coordination.k8s.io", "v1", "leases", "Lease"),
  builtin("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", {
    shortNames: ["hpa"],
    categories: ["all"],
    statusSubresource: true,
  }),
  builtin("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", {
    namespaced: false,
    shortNames: ["crd", "crds"],
    statusSubresource: true,
  }),
];
