import type { Logger } from "pino";
import { randomSuffix } from "../api/metadata.js";
import type { ObjectApi } from "../api/objects.js";
import type { ResourceType } from "../api/registry.js";
import { deepEqual, getPath, isObject, type JsonObject, type KubeObject } from "../api/types.js";
import { podPhase, podReadySince } from "../kubelet/pod-status.js";
import { controllerKey, controllerReference, ownedBy } from "./owned.js";
import { splitKey, WorkQueue } from "./work-queue.js";

const RS_KEY = "replicasets.apps";
/** At most this many pods created or deleted per pass, so one huge ReplicaSet cannot stall the server. */
const BURST = 500;

function deleteRank(pod: KubeObject): number {
  const phase = podPhase(pod);
  if (phase === "Pending") return 0;
  if (podReadySince(pod) === undefined) return 1;
  return 2;
}

/** ReplicaSet → Pods: keeps `spec.replicas` pods from the template and reports their state. */
export class ReplicaSetController {
  private readonly queue: WorkQueue;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly api: ObjectApi,
    log: Logger,
    private readonly types: { rs: ResourceType; pod: ResourceType },
  ) {
    this.queue = new WorkQueue("replicaset", (key) => this.sync(key), log);
    this.unsubscribe = api.store.subscribe((event) => {
      if (event.key === RS_KEY && event.type !== "DELETED")
        this.queue.add(`${event.namespace}/${event.name}`);
      if (event.key === "pods") {
        const owner = controllerKey(event.obj, "ReplicaSet");
        if (owner) this.queue.add(owner);
      }
    });
    for (const entry of api.store.list(RS_KEY))
      this.queue.add(`${entry.obj.metadata.namespace}/${entry.obj.metadata.name}`);
  }

  private sync(key: string): void {
    const { namespace, name } = splitKey(key);
    const entry = this.api.store.get(RS_KEY, namespace, name);
    if (!entry) return;
    const rs = entry.obj;
    const desired = Number(getPath(rs, ["spec", "replicas"]) ?? 1);
    const owned = ownedBy(this.api, rs, "pods");
    const active = owned.filter(
      (p) =>
        !p.metadata.deletionTimestamp && podPhase(p) !== "Succeeded" && podPhase(p) !== "Failed",
    );
    if (!rs.metadata.deletionTimestamp) {
      if (active.length < desired) {
        for (let i = 0; i < Math.min(desired - active.length, BURST); i++)
          active.push(this.createPod(rs));
      } else if (active.length > desired) {
        const victims = [...active]
          .sort(
            (a, b) =>
              deleteRank(a) - deleteRank(b) ||
              String(b.metadata.creationTimestamp).localeCompare(
                String(a.metadata.creationTimestamp),
              ),
          )
          .slice(0, Math.min(active.length - desired, BURST));
        for (const pod of victims) {
          this.api.delete(this.types.pod, namespace, pod.metadata.name ?? "");
          active.splice(active.indexOf(pod), 1);
        }
      }
    }
    this.writeStatus(rs, active, key);
  }

  private createPod(rs: KubeObject): KubeObject {
    const template = getPath(rs, ["spec", "template"]);
    const templateMeta = isObject(template) && isObject(template.metadata) ? template.metadata : {};
    const name = `${rs.metadata.name ?? ""}-${randomSuffix()}`;
    const pod: JsonObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name,
        generateName: `${rs.metadata.name ?? ""}-`,
        namespace: rs.metadata.namespace,
        labels: { ...(isObject(templateMeta.labels) ? templateMeta.labels : {}) },
        ...(isObject(templateMeta.annotations)
          ? { annotations: { ...templateMeta.annotations } }
          : {}),
        ownerReferences: [controllerReference(rs, "apps/v1", "ReplicaSet")],
      },
      spec: structuredClone(isObject(template) ? template.spec : {}),
    };
    return this.api.create(this.types.pod, rs.metadata.namespace ?? "", pod);
  }

  private writeStatus(rs: KubeObject, active: KubeObject[], key: string): void {
    const minReadySeconds = Number(getPath(rs, ["spec", "minReadySeconds"]) ?? 0);
    const now = Date.now();
    let ready = 0;
    let available = 0;
    let nextCheck: number | undefined;
    for (const pod of active) {
      const since = podReadySince(pod);
      if (since === undefined) continue;
      ready++;
      const availableAt = since + minReadySeconds * 1000;
      if (minReadySeconds <= 0 || availableAt <= now) available++;
      else nextCheck = Math.min(nextCheck ?? Number.POSITIVE_INFINITY, availableAt - now);
    }
    const templateLabels = getPath(rs, ["spec", "template", "metadata", "labels"]);
    const labelled = active.filter((pod) =>
      Object.entries(isObject(templateLabels) ? templateLabels : {}).every(
        ([k, v]) => pod.metadata.labels?.[k] === v,
      ),
    ).length;
    const status: JsonObject = {
      replicas: active.length,
      fullyLabeledReplicas: labelled,
      readyReplicas: ready,
      availableReplicas: available,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    const current =
      this.api.store.get(RS_KEY, rs.metadata.namespace ?? "", rs.metadata.name ?? "")?.obj ?? rs;
    const previous = isObject(current.status) ? current.status : {};
    if (!deepEqual({ ...previous, ...status }, previous)) {
      this.api.updateStatus(this.types.rs, rs.metadata.namespace ?? "", rs.metadata.name ?? "", {
        ...current,
        status: { ...previous, ...status },
      });
    }
    if (nextCheck !== undefined) this.queue.addAfter(key, nextCheck + 50);
  }

  stop(): void {
    this.unsubscribe();
    this.queue.stop();
  }
}
