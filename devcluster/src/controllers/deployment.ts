import type { Logger } from "pino";
import type { ObjectApi } from "../api/objects.js";
import type { ResourceType } from "../api/registry.js";
import { deepEqual, getPath, isObject, type JsonObject, type KubeObject } from "../api/types.js";
import { controllerKey, controllerReference, ownedBy } from "./owned.js";
import {
  newReplicaSetTarget,
  type ReplicaSetCounts,
  rollingLimits,
  scaleDownOld,
} from "./rolling.js";
import { splitKey, WorkQueue } from "./work-queue.js";

const DEPLOYMENT_KEY = "deployments.apps";
const RS_KEY = "replicasets.apps";
const REVISION = "deployment.kubernetes.io/revision";
const HASH_LABEL = "pod-template-hash";
const HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** FNV-1a over the template, spelled in the alphabet Kubernetes uses for safe names. */
export function templateHash(template: unknown): string {
  let hash = 0x811c9dc5;
  for (const char of JSON.stringify(template ?? {})) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  let text = "";
  let rest = hash;
  do {
    text += HASH_ALPHABET[rest % HASH_ALPHABET.length];
    rest = Math.floor(rest / HASH_ALPHABET.length);
  } while (rest > 0);
  return text;
}

function replicasOf(obj: KubeObject): number {
  return Number(getPath(obj, ["spec", "replicas"]) ?? 0);
}

function counts(rs: KubeObject): ReplicaSetCounts {
  return {
    name: rs.metadata.name ?? "",
    replicas: replicasOf(rs),
    available: Number(getPath(rs, ["status", "availableReplicas"]) ?? 0),
  };
}

function revisionOf(rs: KubeObject): number {
  return Number(rs.metadata.annotations?.[REVISION] ?? 0);
}

/** Deployment → ReplicaSets with rolling update or recreate, and the Deployment's status. */
export class DeploymentController {
  private readonly queue: WorkQueue;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly api: ObjectApi,
    log: Logger,
    private readonly types: { deployment: ResourceType; rs: ResourceType },
  ) {
    this.queue = new WorkQueue("deployment", (key) => this.sync(key), log);
    this.unsubscribe = api.store.subscribe((event) => {
      if (event.key === DEPLOYMENT_KEY && event.type !== "DELETED")
        this.queue.add(`${event.namespace}/${event.name}`);
      if (event.key === RS_KEY) {
        const owner = controllerKey(event.obj, "Deployment");
        if (owner) this.queue.add(owner);
      }
    });
    for (const entry of api.store.list(DEPLOYMENT_KEY))
      this.queue.add(`${entry.obj.metadata.namespace}/${entry.obj.metadata.name}`);
  }

  private sync(key: string): void {
    const { namespace, name } = splitKey(key);
    const deployment = this.api.store.get(DEPLOYMENT_KEY, namespace, name)?.obj;
    if (!deployment || deployment.metadata.deletionTimestamp) return;
    const template = getPath(deployment, ["spec", "template"]);
    const hash = templateHash(template);
    const owned = ownedBy(this.api, deployment, RS_KEY).sort(
      (a, b) => revisionOf(a) - revisionOf(b),
    );
    let newRs = owned.find((rs) => rs.metadata.labels?.[HASH_LABEL] === hash);
    const old = owned.filter((rs) => rs !== newRs);
    const replicas = replicasOf(deployment);
    const paused = getPath(deployment, ["spec", "paused"]) === true;
    const maxRevision = owned.reduce((max, rs) => Math.max(max, revisionOf(rs)), 0);
    if (!newRs && !paused) newRs = this.createReplicaSet(deployment, hash, maxRevision + 1);
    else if (newRs && revisionOf(newRs) < maxRevision && !paused) {
      newRs = this.setReplicas(newRs, replicasOf(newRs), String(maxRevision + 1));
    }
    if (newRs && !paused) {
      const strategy = getPath(deployment, ["spec", "strategy", "type"]);
      if (strategy === "Recreate") this.recreate(replicas, newRs, old);
      else this.rolling(deployment, replicas, newRs, old);
    }
    this.writeStatus(deployment, newRs, ownedBy(this.api, deployment, RS_KEY));
    this.cleanup(deployment, old);
  }

  private createReplicaSet(deployment: KubeObject, hash: string, revision: number): KubeObject {
    const template = structuredClone(getPath(deployment, ["spec", "template"])) as JsonObject;
    const meta = isObject(template.metadata) ? template.metadata : {};
    meta.labels = { ...(isObject(meta.labels) ? meta.labels : {}), [HASH_LABEL]: hash };
    template.metadata = meta;
    const selector = structuredClone(getPath(deployment, ["spec", "selector"])) as JsonObject;
    selector.matchLabels = {
      ...(isObject(selector.matchLabels) ? selector.matchLabels : {}),
      [HASH_LABEL]: hash,
    };
    const strategy = getPath(deployment, ["spec", "strategy", "type"]);
    const rs: JsonObject = {
      metadata: {
        name: `${deployment.metadata.name ?? ""}-${hash}`,
        namespace: deployment.metadata.namespace,
        labels: meta.labels,
        annotations: {
          [REVISION]: String(revision),
          "deployment.kubernetes.io/desired-replicas": String(replicasOf(deployment)),
        },
        ownerReferences: [controllerReference(deployment, "apps/v1", "Deployment")],
      },
      spec: {
        replicas: strategy === "Recreate" ? 0 : 0,
        minReadySeconds: getPath(deployment, ["spec", "minReadySeconds"]) ?? 0,
        selector,
        template,
      },
    };
    return this.api.create(this.types.rs, deployment.metadata.namespace ?? "", rs);
  }

  private setReplicas(rs: KubeObject, replicas: number, revision?: string): KubeObject {
    if (replicasOf(rs) === replicas && revision === undefined) return rs;
    const copy = JSON.parse(JSON.stringify(rs)) as KubeObject;
    (copy.spec as JsonObject).replicas = replicas;
    if (revision !== undefined)
      copy.metadata.annotations = { ...copy.metadata.annotations, [REVISION]: revision };
    return this.api.update(
      this.types.rs,
      rs.metadata.namespace ?? "",
      rs.metadata.name ?? "",
      copy,
    );
  }

  private recreate(replicas: number, newRs: KubeObject, old: KubeObject[]): void {
    for (const rs of old) this.setReplicas(rs, 0);
    const oldPods = old.reduce(
      (sum, rs) => sum + Number(getPath(rs, ["status", "replicas"]) ?? 0),
      0,
    );
    if (oldPods === 0) this.setReplicas(newRs, replicas);
  }

  private rolling(
    deployment: KubeObject,
    replicas: number,
    newRs: KubeObject,
    old: KubeObject[],
  ): void {
    const limits = rollingLimits(
      replicas,
      getPath(deployment, ["spec", "strategy", "rollingUpdate", "maxSurge"]),
      getPath(deployment, ["spec", "strategy", "rollingUpdate", "maxUnavailable"]),
    );
    const all = [newRs, ...old].map(counts);
    const target = newReplicaSetTarget(replicas, limits, counts(newRs), all);
    const updatedNew = this.setReplicas(newRs, target);
    const after = [updatedNew, ...old].map(counts);
    const plan = scaleDownOld(replicas, limits, old.map(counts), after);
    for (const rs of old) this.setReplicas(rs, plan.get(rs.metadata.name ?? "") ?? replicasOf(rs));
  }

  private writeStatus(
    deployment: KubeObject,
    newRs: KubeObject | undefined,
    owned: KubeObject[],
  ): void {
    const sum = (path: string[]): number =>
      owned.reduce((total, rs) => total + Number(getPath(rs, path) ?? 0), 0);
    const replicas = replicasOf(deployment);
    const available = sum(["status", "availableReplicas"]);
    const statusReplicas = sum(["status", "replicas"]);
    const updated = newRs ? Number(getPath(newRs, ["status", "replicas"]) ?? 0) : 0;
    const limits = rollingLimits(
      replicas,
      getPath(deployment, ["spec", "strategy", "rollingUpdate", "maxSurge"]),
      getPath(deployment, ["spec", "strategy", "rollingUpdate", "maxUnavailable"]),
    );
    const complete = updated === replicas && statusReplicas === replicas && available === replicas;
    const previous = isObject(deployment.status) ? deployment.status : {};
    const oldConditions = Array.isArray(previous.conditions)
      ? previous.conditions.filter(isObject)
      : [];
    const now = `${new Date().toISOString().slice(0, 19)}Z`;
    const condition = (
      type: string,
      status: boolean,
      reason: string,
      message: string,
    ): JsonObject => {
      const old = oldConditions.find((c) => c.type === type);
      const value = status ? "True" : "False";
      const same = old?.status === value && old.reason === reason;
      return {
        type,
        status: value,
        lastUpdateTime: same ? old?.lastUpdateTime : now,
        lastTransitionTime: old?.status === value ? old.lastTransitionTime : now,
        reason,
        message,
      };
    };
    const name = `ReplicaSet "${newRs?.metadata.name ?? ""}"`;
    const status: JsonObject = {
      observedGeneration: deployment.metadata.generation ?? 1,
      replicas: statusReplicas,
      updatedReplicas: updated,
      readyReplicas: sum(["status", "readyReplicas"]),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, replicas - available),
      conditions: [
        condition(
          "Available",
          available >= replicas - limits.maxUnavailable,
          available >= replicas - limits.maxUnavailable
            ? "MinimumReplicasAvailable"
            : "MinimumReplicasUnavailable",
          available >= replicas - limits.maxUnavailable
            ? "Deployment has minimum availability."
            : "Deployment does not have minimum availability.",
        ),
        condition(
          "Progressing",
          true,
          complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
          complete ? `${name} has successfully progressed.` : `${name} is progressing.`,
        ),
      ],
    };
    if (!deepEqual(previous, status)) {
      this.api.updateStatus(
        this.types.deployment,
        deployment.metadata.namespace ?? "",
        deployment.metadata.name ?? "",
        { ...deployment, status },
      );
    }
  }

  /** Keeps at most revisionHistoryLimit scaled-down old ReplicaSets. */
  private cleanup(deployment: KubeObject, old: KubeObject[]): void {
    const limit = Number(getPath(deployment, ["spec", "revisionHistoryLimit"]) ?? 10);
    const idle = old.filter(
      (rs) => replicasOf(rs) === 0 && Number(getPath(rs, ["status", "replicas"]) ?? 0) === 0,
    );
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      this.api.delete(this.types.rs, rs.metadata.namespace ?? "", rs.metadata.name ?? "");
    }
  }

  stop(): void {
    this.unsubscribe();
    this.queue.stop();
  }
}
