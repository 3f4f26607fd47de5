import { type FieldError, invalidValue, requiredValue } from "./errors.js";
import { matchesLabels, selectorFromStructured } from "./selectors.js";
import { getPath, isObject, type JsonObject, type KubeObject } from "./types.js";

/**
 * The defaults the API server fills in for the built-in kinds that clients commonly rely on
 * (replicas, strategies, restart policies, service ports), and the few validations that
 * protect the simulated controllers (a workload's selector must match its template).
 */

function objectAt(parent: JsonObject, key: string): JsonObject {
  const existing = parent[key];
  if (isObject(existing)) return existing;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

function defaultPodSpec(spec: JsonObject, restartPolicy: string): void {
  spec.restartPolicy ??= restartPolicy;
  spec.serviceAccountName ??= "default";
  spec.dnsPolicy ??= "ClusterFirst";
  spec.schedulerName ??= "default-scheduler";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  if (Array.isArray(spec.containers)) {
    for (const container of spec.containers) {
      if (!isObject(container)) continue;
      container.terminationMessagePath ??= "/dev/termination-log";
      container.terminationMessagePolicy ??= "File";
      const image = typeof container.image === "string" ? container.image : "";
      container.imagePullPolicy ??=
        image.endsWith(":latest") || !image.includes(":") ? "Always" : "IfNotPresent";
      if (Array.isArray(container.ports)) {
        for (const port of container.ports) if (isObject(port)) port.protocol ??= "TCP";
      }
    }
  }
}

function defaultTemplate(spec: JsonObject, restartPolicy: string): void {
  const template = objectAt(spec, "template");
  defaultPodSpec(objectAt(template, "spec"), restartPolicy);
}

export interface ServiceIpAllocator {
  next(): string;
}

export function applyBuiltinDefaults(
  plural: string,
  obj: KubeObject,
  ips: ServiceIpAllocator,
): void {
  const spec = isObject(obj.spec) ? obj.spec : undefined;
  switch (plural) {
    case "deployments": {
      if (!spec) return;
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      const strategy = objectAt(spec, "strategy");
      strategy.type ??= "RollingUpdate";
      if (strategy.type === "RollingUpdate") {
        const rolling = objectAt(strategy, "rollingUpdate");
        rolling.maxSurge ??= "25%";
        rolling.maxUnavailable ??= "25%";
      }
      defaultTemplate(spec, "Always");
      return;
    }
    case "replicasets":
      if (!spec) return;
      spec.replicas ??= 1;
      defaultTemplate(spec, "Always");
      return;
    case "jobs": {
      if (!spec) return;
      // As the API server does: select the Job's own pods by its uid unless told otherwise.
      if (spec.selector === undefined && spec.manualSelector !== true) {
        const uid = obj.metadata.uid ?? "";
        const name = obj.metadata.name ?? "";
        spec.selector = { matchLabels: { "batch.kubernetes.io/controller-uid": uid } };
        const template = objectAt(spec, "template");
        const meta = objectAt(template, "metadata");
        meta.labels = {
          ...(isObject(meta.labels) ? meta.labels : {}),
          "batch.kubernetes.io/controller-uid": uid,
          "batch.kubernetes.io/job-name": name,
          "controller-uid": uid,
          "job-name": name,
        };
      }
      spec.parallelism ??= 1;
      spec.completions ??= 1;
      spec.backoffLimit ??= 6;
      spec.completionMode ??= "NonIndexed";
      spec.suspend ??= false;
      defaultTemplate(spec, "Never");
      return;
    }
    case "pods":
      if (!spec) return;
      defaultPodSpec(spec, "Always");
      // devcluster has one simulated node; scheduling is immediate.
      spec.nodeName ??= "devcluster";
      return;
    case "services": {
      if (!spec) return;
      spec.type ??= "ClusterIP";
      spec.sessionAffinity ??= "None";
      if (spec.clusterIP === undefined || spec.clusterIP === "") {
        spec.clusterIP = ips.next();
        spec.clusterIPs = [spec.clusterIP];
      }
      spec.ipFamilies ??= ["IPv4"];
      spec.ipFamilyPolicy ??= "SingleStack";
      spec.internalTrafficPolicy ??= "Cluster";
      if (Array.isArray(spec.ports)) {
        for (const port of spec.ports) {
          if (!isObject(port)) continue;
          port.protocol ??= "TCP";
          port.targetPort ??= port.port;
        }
      }
      return;
    }
    case "namespaces": {
      obj.metadata.labels = {
        ...obj.metadata.labels,
        "kubernetes.io/metadata.name": obj.metadata.name ?? "",
      };
      obj.spec = { finalizers: ["kubernetes"] };
      return;
    }
    case "secrets":
      obj.type ??= "Opaque";
      return;
  }
}

/** Initial status for kinds whose status the server owns at creation. */
export function initialStatus(plural: string): unknown {
  switch (plural) {
    case "pods":
      return { phase: "Pending", qosClass: "BestEffort" };
    case "namespaces":
      return { phase: "Active" };
    case "services":
      return { loadBalancer: {} };
    default:
      return undefined;
  }
}

function checkWorkloadSelector(obj: KubeObject, errors: FieldError[]): void {
  const selector = getPath(obj, ["spec", "selector"]);
  if (selector === undefined) {
    errors.push(requiredValue("spec.selector"));
    return;
  }
  const parsed = selectorFromStructured(selector);
  const labels = getPath(obj, ["spec", "template", "metadata", "labels"]);
  if (!parsed || parsed.length === 0) {
    errors.push(
      invalidValue("spec.selector", selector, "empty selector is invalid for deployment"),
    );
    return;
  }
  if (!matchesLabels(parsed, isObject(labels) ? (labels as Record<string, string>) : undefined)) {
    errors.push(
      invalidValue(
        "spec.template.metadata.labels",
        labels ?? {},
        "`selector` does not match template `labels`",
      ),
    );
  }
}

export function validateBuiltin(plural: string, obj: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const spec = obj.spec;
  switch (plural) {
    case "deployments":
    case "replicasets":
      if (!isObject(spec)) return [requiredValue("spec")];
      checkWorkloadSelector(obj, errors);
      if (
        spec.replicas !== undefined &&
        !(
          typeof spec.replicas === "number" &&
          Number.isInteger(spec.replicas) &&
          spec.replicas >= 0
        )
      ) {
        errors.push(
          invalidValue("spec.replicas", spec.replicas, "must be greater than or equal to 0"),
        );
      }
      break;
    case "jobs":
      if (!isObject(spec)) return [requiredValue("spec")];
      if (!isObject(spec.template)) errors.push(requiredValue("spec.template"));
      break;
    case "pods": {
      if (!isObject(spec)) return [requiredValue("spec")];
      const containers = spec.containers;
      if (!Array.isArray(containers) || containers.length === 0)
        errors.push(requiredValue("spec.containers"));
      else
        containers.forEach((container, index) => {
          if (!isObject(container) || typeof container.name !== "string" || container.name === "") {
            errors.push(requiredValue(`spec.containers[${index}].name`));
          }
          if (
            !isObject(container) ||
            typeof container.image !== "string" ||
            container.image === ""
          ) {
            errors.push(requiredValue(`spec.containers[${index}].image`));
          }
        });
      break;
    }
  }
  return errors;
}
