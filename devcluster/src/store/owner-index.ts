import type { KubeObject } from "../api/types.js";
import type { ChangeEvent, Store } from "./store.js";

export interface ObjectRef {
  key: string;
  namespace: string;
  name: string;
}

function refId(ref: ObjectRef): string {
  return `${ref.key}\u0000${ref.namespace}\u0000${ref.name}`;
}

function parseRef(id: string): ObjectRef {
  const [key = "", namespace = "", name = ""] = id.split("\u0000");
  return { key, namespace, name };
}

function ownerUids(obj: KubeObject | undefined): string[] {
  const owners = obj?.metadata.ownerReferences;
  if (!Array.isArray(owners)) return [];
  return owners.map((owner) => owner.uid).filter((uid): uid is string => typeof uid === "string");
}

/** Which objects exist by uid, and which objects name each uid as an owner. */
export class OwnerIndex {
  private readonly byUid = new Map<string, string>();
  private readonly dependents = new Map<string, Set<string>>();

  constructor(store: Store) {
    for (const key of store.keys())
      for (const entry of store.list(key)) this.add(entry.key, entry.obj);
    store.subscribe((event) => this.onEvent(event));
  }

  private add(key: string, obj: KubeObject): void {
    const id = refId({
      key,
      namespace: obj.metadata.namespace ?? "",
      name: obj.metadata.name ?? "",
    });
    if (obj.metadata.uid) this.byUid.set(obj.metadata.uid, id);
    for (const owner of ownerUids(obj)) {
      let set = this.dependents.get(owner);
      if (!set) {
        set = new Set();
        this.dependents.set(owner, set);
      }
      set.add(id);
    }
  }

  private remove(key: string, obj: KubeObject): void {
    const id = refId({
      key,
      namespace: obj.metadata.namespace ?? "",
      name: obj.metadata.name ?? "",
    });
    if (obj.metadata.uid && this.byUid.get(obj.metadata.uid) === id)
      this.byUid.delete(obj.metadata.uid);
    for (const owner of ownerUids(obj)) {
      const set = this.dependents.get(owner);
      set?.delete(id);
      if (set && set.size === 0) this.dependents.delete(owner);
    }
  }

  private onEvent(event: ChangeEvent): void {
    if (event.previous) this.remove(event.key, event.previous);
    if (event.type !== "DELETED") this.add(event.key, event.obj);
  }

  exists(uid: string): boolean {
    return this.byUid.has(uid);
  }

  refOf(uid: string): ObjectRef | undefined {
    const id = this.byUid.get(uid);
    return id === undefined ? undefined : parseRef(id);
  }

  dependentsOf(uid: string): ObjectRef[] {
    return [...(this.dependents.get(uid) ?? [])].map(parseRef);
  }
}
