import { type KubeObject, objectKey } from "./kube-resources.js";

/** Returns the index values an object is filed under (none: not indexed). */
export type IndexFunc = (obj: KubeObject) => readonly string[];

/** Built-in index: objects by namespace. */
export const NAMESPACE_INDEX = "namespace";
/** Built-in index: objects by the UID of each of their ownerReferences. */
export const OWNER_INDEX = "owner";

/** Name of the index over the values of one label key. */
export function labelIndexName(labelKey: string): string {
  return `label:${labelKey}`;
}

export const byNamespace: IndexFunc = (obj) =>
  obj.metadata.namespace === undefined ? [] : [obj.metadata.namespace];

export const byOwnerUid: IndexFunc = (obj) =>
  (obj.metadata.ownerReferences ?? []).map((ref) => ref.uid);

export function byLabel(labelKey: string): IndexFunc {
  return (obj) => {
    const value = obj.metadata.labels?.[labelKey];
    return value === undefined ? [] : [value];
  };
}

/** The kubectl annotation holding a whole copy of the object: never read, often large. */
export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

/**
 * Drops what no reconciler reads but every object carries: managedFields (often larger than
 * the object itself) and kubectl's last-applied copy. Mutates and returns `obj`, which is a
 * freshly decoded copy owned by the informer.
 */
export function trimObject(obj: KubeObject): KubeObject {
  const metadata = obj.metadata;
  const annotations = metadata.annotations;
  const lastApplied = annotations !== undefined && LAST_APPLIED_ANNOTATION in annotations;
  if (!("managedFields" in metadata) && !lastApplied) return obj;
  // Rebuilt rather than `delete`d: V8 turns an object that loses a property into a slower,
  // larger dictionary object, and every cached object would carry one.
  const { managedFields: _fields, annotations: _annotations, ...rest } = metadata;
  const trimmed: KubeObject["metadata"] = rest;
  if (annotations !== undefined) {
    if (lastApplied) {
      const { [LAST_APPLIED_ANNOTATION]: _dropped, ...kept } = annotations;
      if (Object.keys(kept).length > 0) trimmed.annotations = kept;
    } else {
      trimmed.annotations = annotations;
    }
  }
  obj.metadata = trimmed;
  return obj;
}

/**
 * A keyed store with secondary indexes, kept consistent on every write. Objects in it are
 * shared with every reader: treat them as read-only (copy before changing).
 */
export class IndexedCache {
  private readonly objects = new Map<string, KubeObject>();
  private readonly indexFuncs = new Map<string, IndexFunc>();
  /** index name → index value → keys. */
  private readonly indexes = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Record<string, IndexFunc>) {
    for (const [name, fn] of Object.entries(indexers)) {
      this.indexFuncs.set(name, fn);
      this.indexes.set(name, new Map());
    }
  }

  get size(): number {
    return this.objects.size;
  }

  get(key: string): KubeObject | undefined {
    return this.objects.get(key);
  }

  keys(): IterableIterator<string> {
    return this.objects.keys();
  }

  values(): IterableIterator<KubeObject> {
    return this.objects.values();
  }

  /** Stores `obj` under its key; returns what was there before. */
  upsert(obj: KubeObject): KubeObject | undefined {
    const key = objectKey(obj);
    const previous = this.objects.get(key);
    if (previous !== undefined) this.unindex(key, previous);
    this.objects.set(key, obj);
    this.index(key, obj);
    return previous;
  }

  /** Removes the object stored under `key`; returns it. */
  remove(key: string): KubeObject | undefined {
    const previous = this.objects.get(key);
    if (previous === undefined) return undefined;
    this.unindex(key, previous);
    this.objects.delete(key);
    return previous;
  }

  /** Objects filed under `value` in index `indexName`; throws for an unknown index. */
  byIndex(indexName: string, value: string): KubeObject[] {
    const index = this.indexes.get(indexName);
    if (index === undefined) {
      throw new Error(`informer cache has no index "${indexName}"; declare it in the options`);
    }
    const keys = index.get(value);
    if (keys === undefined) return [];
    const found: KubeObject[] = [];
    for (const key of keys) {
      const obj = this.objects.get(key);
      if (obj !== undefined) found.push(obj);
    }
    return found;
  }

  hasIndex(indexName: string): boolean {
    return this.indexes.has(indexName);
  }

  private index(key: string, obj: KubeObject): void {
    for (const [name, fn] of this.indexFuncs) {
      const index = this.indexes.get(name);
      if (index === undefined) continue;
      for (const value of fn(obj)) {
        let keys = index.get(value);
        if (keys === undefined) {
          keys = new Set();
          index.set(value, keys);
        }
        keys.add(key);
      }
    }
  }

  private unindex(key: string, obj: KubeObject): void {
    for (const [name, fn] of this.indexFuncs) {
      const index = this.indexes.get(name);
      if (index === undefined) continue;
      for (const value of fn(obj)) {
        const keys = index.get(value);
        if (keys === undefined) continue;
        keys.delete(key);
        if (keys.size === 0) index.delete(value);
      }
    }
  }
}
