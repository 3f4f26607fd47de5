import type { Logger } from "pino";
import { FOREGROUND_FINALIZER, type ObjectApi } from "../api/objects.js";
import type { ResourceType } from "../api/registry.js";
import type { KubeObject } from "../api/types.js";
import type { ObjectRef } from "../store/owner-index.js";
import { WorkQueue } from "./work-queue.js";

function refKey(ref: ObjectRef): string {
  return `${ref.key}\u0000${ref.namespace}\u0000${ref.name}`;
}

function parseKey(key: string): ObjectRef {
  const [k = "", namespace = "", name = ""] = key.split("\u0000");
  return { key: k, namespace, name };
}

/**
 * Garbage collection through ownerReferences: a dependent whose owners are all gone is
 * deleted (background); an owner deleted in the foreground keeps its `foregroundDeletion`
 * finalizer until its dependents are gone; namespaces being deleted are emptied first.
 */
export class GarbageCollector {
  private readonly queue: WorkQueue;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly api: ObjectApi,
    log: Logger,
  ) {
    this.queue = new WorkQueue("garbage-collector", (key) => this.sync(parseKey(key)), log);
    this.unsubscribe = api.store.subscribe((event) => {
      const ref = { key: event.key, namespace: event.namespace, name: event.name };
      if (event.type === "DELETED") {
        for (const dependent of api.owners.dependentsOf(event.obj.metadata.uid ?? ""))
          this.queue.add(refKey(dependent));
        for (const owner of event.obj.metadata.ownerReferences ?? []) {
          const ownerRef = api.owners.refOf(owner.uid);
          if (ownerRef) this.queue.add(refKey(ownerRef));
        }
        return;
      }
      if (event.obj.metadata.deletionTimestamp || event.obj.metadata.ownerReferences?.length)
        this.queue.add(refKey(ref));
    });
    for (const key of api.store.keys()) {
      for (const entry of api.store.list(key)) {
        const obj = entry.obj;
        if (obj.metadata.deletionTimestamp || obj.metadata.ownerReferences?.length) {
          this.queue.add(
            refKey({ key, namespace: obj.metadata.namespace ?? "", name: obj.metadata.name ?? "" }),
          );
        }
      }
    }
  }

  private typeOf(key: string): ResourceType | undefined {
    return this.api.registry.anyVersion(key);
  }

  private sync(ref: ObjectRef): void {
    const entry = this.api.store.get(ref.key, ref.namespace, ref.name);
    if (!entry) return;
    const obj = entry.obj;
    const type = this.typeOf(ref.key);
    if (!type) return;
    if (obj.metadata.deletionTimestamp) {
      if (ref.key === "namespaces") this.emptyNamespace(obj);
      else if (obj.metadata.finalizers?.includes(FOREGROUND_FINALIZER)) this.foreground(type, obj);
    }
    const owners = obj.metadata.ownerReferences ?? [];
    if (owners.length === 0 || obj.metadata.deletionTimestamp) return;
    const living = owners.filter((owner) => this.api.owners.exists(owner.uid));
    if (living.length === 0) {
      this.api.delete(type, ref.namespace, ref.name, { propagationPolicy: "Background" });
    } else if (living.length < owners.length) {
      const copy = JSON.parse(entry.json) as KubeObject;
      copy.metadata.ownerReferences = living;
      this.api.update(type, ref.namespace, ref.name, copy);
    }
  }

  private foreground(type: ResourceType, obj: KubeObject): void {
    const dependents = this.api.owners.dependentsOf(obj.metadata.uid ?? "");
    for (const dependent of dependents) {
      const dependentType = this.typeOf(dependent.key);
      const current = this.api.store.get(dependent.key, dependent.namespace, dependent.name);
      if (!dependentType || !current || current.obj.metadata.deletionTimestamp) continue;
      this.api.delete(dependentType, dependent.namespace, dependent.name, {
        propagationPolicy: "Foreground",
      });
    }
    if (this.api.owners.dependentsOf(obj.metadata.uid ?? "").length === 0) {
      const copy = JSON.parse(JSON.stringify(obj)) as KubeObject;
      copy.metadata.finalizers = (copy.metadata.finalizers ?? []).filter(
        (f) => f !== FOREGROUND_FINALIZER,
      );
      this.api.update(type, obj.metadata.namespace ?? "", obj.metadata.name ?? "", copy);
    }
  }

  private emptyNamespace(namespace: KubeObject): void {
    const name = namespace.metadata.name ?? "";
    let remaining = 0;
    for (const type of this.api.registry.all()) {
      if (!type.namespaced) continue;
      for (const entry of [
        ...this.api.store.list(
          `${type.group === "" ? type.plural : `${type.plural}.${type.group}`}`,
          name,
        ),
      ]) {
        remaining++;
        if (!entry.obj.metadata.deletionTimestamp) {
          this.api.delete(type, name, entry.obj.metadata.name ?? "", {
            propagationPolicy: "Background",
          });
        }
      }
    }
    if (remaining === 0 || this.isEmpty(name)) {
      this.api.store.remove("namespaces", "", name);
      return;
    }
    this.queue.addAfter(refKey({ key: "namespaces", namespace: "", name }), 200);
  }

  private isEmpty(namespace: string): boolean {
    for (const key of this.api.store.keys()) {
      if (key !== "namespaces" && this.api.store.list(key, namespace).length > 0) return false;
    }
    return true;
  }

  stop(): void {
    this.unsubscribe();
    this.queue.stop();
  }
}
