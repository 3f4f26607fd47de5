import type { KubeObject } from "../api/types.js";
import { Persistence } from "./persistence.js";

export interface StoredEntry {
  key: string;
  obj: KubeObject;
  /** The object serialized once at write time; lists and watches reuse it. */
  json: string;
  /** `json` as UTF-8, encoded once: lists and the log write these bytes as they are. */
  bytes: Buffer;
  rv: number;
}

export type EventType = "ADDED" | "MODIFIED" | "DELETED";

export interface ChangeEvent {
  type: EventType;
  key: string;
  namespace: string;
  name: string;
  rv: number;
  obj: KubeObject;
  json: string;
  bytes: Buffer;
  /** The object before the change (MODIFIED and DELETED), for selector transitions. */
  previous?: KubeObject;
}

/**
 * A change as the history keeps it: the object only as its serialized bytes (already made for
 * the log and the watches), not as the parsed object. At thousands of writes per second the
 * parsed versions made the history most of the heap (hundreds of MB), and every major
 * collection marked all of them, pausing the server for 100-150 ms at a time. A watch that
 * resumes from the history, the only reader, gets the objects parsed again.
 */
interface HistoryRecord {
  type: EventType;
  key: string;
  namespace: string;
  name: string;
  rv: number;
  bytes: Buffer;
  previousBytes: Buffer | undefined;
}

interface Bucket {
  entries: Map<string, StoredEntry>;
  /** Entry ids in list order; rebuilt only when objects come or go, not on updates. */
  sortedIds: string[] | undefined;
}

export interface StoreOptions {
  dataDir: string;
  historySize: number;
  fsync: boolean;
  compactAfterBytes: number;
}

/**
 * UTF-8 bytes of a JSON text in their own allocation. Buffer.from would slice small strings out
 * of a shared 8 KiB pool, and one long-lived object would then pin a whole slab.
 */
export function utf8Bytes(text: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text, "utf8"));
  bytes.write(text, 0, "utf8");
  return bytes;
}

function entryKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/**
 * All objects in memory, keyed by storage key (plural.group) then namespace/name, each with
 * its JSON cached. Every change gets the next resourceVersion, is written to the log before
 * the caller returns, and is kept in a bounded history for watches that resume.
 */
export class Store {
  private resourceVersion = 0;
  private readonly buckets = new Map<string, Bucket>();
  private readonly history: HistoryRecord[] = [];
  private historyStart = 0;
  private readonly listeners = new Set<(event: ChangeEvent) => void>();
  private readonly persistence: Persistence;
  private compactTimer: NodeJS.Timeout | undefined;
  readonly skippedLogLines: number;

  constructor(private readonly options: StoreOptions) {
    const loaded = Persistence.load(options.dataDir);
    this.resourceVersion = loaded.resourceVersion;
    this.skippedLogLines = loaded.skippedLines;
    for (const { key, obj } of loaded.objects) {
      const rv = Number(obj.metadata.resourceVersion ?? 0);
      const json = JSON.stringify(obj);
      this.bucket(key).entries.set(
        entryKey(obj.metadata.namespace ?? "", obj.metadata.name ?? ""),
        { key, obj, json, bytes: utf8Bytes(json), rv },
      );
    }
    this.persistence = new Persistence(options.dataDir, {
      fsync: options.fsync,
      compactAfterBytes: options.compactAfterBytes,
    });
    this.compact();
  }

  get currentResourceVersion(): number {
    return this.resourceVersion;
  }

  /** The oldest resourceVersion a watch may resume from without a 410. */
  get oldestResumableVersion(): number {
    const first = this.history[this.historyStart];
    return first ? first.rv - 1 : this.resourceVersion;
  }

  private bucket(key: string): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { entries: new Map(), sortedIds: undefined };
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  get(key: string, namespace: string, name: string): StoredEntry | undefined {
    return this.buckets.get(key)?.entries.get(entryKey(namespace, name));
  }

  /** Entries sorted by namespace/name, optionally within one namespace. */
  list(key: string, namespace?: string): StoredEntry[] {
    const bucket = this.buckets.get(key);
    if (!bucket) return [];
    if (!bucket.sortedIds) bucket.sortedIds = [...bucket.entries.keys()].sort();
    const result: StoredEntry[] = [];
    const prefix = namespace === undefined || namespace === "" ? undefined : `${namespace}/`;
    for (const id of bucket.sortedIds) {
      if (prefix !== undefined && !id.startsWith(prefix)) continue;
      const entry = bucket.entries.get(id);
      if (entry) result.push(entry);
    }
    return result;
  }

  count(key: string): number {
    return this.buckets.get(key)?.entries.size ?? 0;
  }

  keys(): string[] {
    return [...this.buckets.keys()];
  }

  nextResourceVersion(): number {
    return this.resourceVersion + 1;
  }

  /** Stores a created or updated object; sets its resourceVersion. */
  put(key: string, obj: KubeObject): StoredEntry {
    const namespace = obj.metadata.namespace ?? "";
    const name = obj.metadata.name ?? "";
    const rv = ++this.resourceVersion;
    obj.metadata.resourceVersion = String(rv);
    const json = JSON.stringify(obj);
    const bytes = utf8Bytes(json);
    const bucket = this.bucket(key);
    const id = entryKey(namespace, name);
    const previous = bucket.entries.get(id);
    this.persistence.append({ op: "put", k: key, rv, o: obj }, bytes);
    const entry: StoredEntry = { key, obj, json, bytes, rv };
    bucket.entries.set(id, entry);
    if (!previous) bucket.sortedIds = undefined;
    this.emit(
      {
        type: previous ? "MODIFIED" : "ADDED",
        key,
        namespace,
        name,
        rv,
        obj,
        json,
        bytes,
        ...(previous ? { previous: previous.obj } : {}),
      },
      previous?.bytes,
    );
    return entry;
  }

  /** Removes an object; the DELETED event carries it at a new resourceVersion. */
  remove(key: string, namespace: string, name: string): StoredEntry | undefined {
    const bucket = this.buckets.get(key);
    const id = entryKey(namespace, name);
    const previous = bucket?.entries.get(id);
    if (!bucket || !previous) return undefined;
    const rv = ++this.resourceVersion;
    this.persistence.append({ op: "del", k: key, rv, ns: namespace, n: name });
    bucket.entries.delete(id);
    bucket.sortedIds = undefined;
    const obj: KubeObject = {
      ...previous.obj,
      metadata: { ...previous.obj.metadata, resourceVersion: String(rv) },
    };
    const json = JSON.stringify(obj);
    const bytes = utf8Bytes(json);
    this.emit(
      {
        type: "DELETED",
        key,
        namespace,
        name,
        rv,
        obj,
        json,
        bytes,
        previous: previous.obj,
      },
      previous.bytes,
    );
    return { key, obj, json, bytes, rv };
  }

  private emit(event: ChangeEvent, previousBytes?: Buffer): void {
    this.history.push({
      type: event.type,
      key: event.key,
      namespace: event.namespace,
      name: event.name,
      rv: event.rv,
      bytes: event.bytes,
      previousBytes,
    });
    if (this.history.length - this.historyStart > this.options.historySize) {
      this.historyStart++;
      // Drop consumed slots in batches so the array does not grow forever.
      if (this.historyStart > 4096) {
        this.history.splice(0, this.historyStart);
        this.historyStart = 0;
      }
    }
    for (const listener of this.listeners) listener(event);
    if (this.persistence.needsCompaction() && !this.compactTimer) {
      this.compactTimer = setTimeout(() => {
        this.compactTimer = undefined;
        this.compact();
      }, 0);
    }
  }

  /**
   * Events after `rv` (only those of storage key `key` when given), or undefined when they are
   * no longer kept (410 Gone).
   */
  eventsSince(rv: number, key?: string): ChangeEvent[] | undefined {
    if (rv >= this.resourceVersion) return [];
    if (rv < this.oldestResumableVersion) return undefined;
    const result: ChangeEvent[] = [];
    // History is sorted by rv: binary search for the first event after rv.
    let low = this.historyStart;
    let high = this.history.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.history[middle]?.rv ?? 0) <= rv) low = middle + 1;
      else high = middle;
    }
    for (let i = low; i < this.history.length; i++) {
      const record = this.history[i];
      if (record === undefined || (key !== undefined && record.key !== key)) continue;
      const json = record.bytes.toString("utf8");
      result.push({
        type: record.type,
        key: record.key,
        namespace: record.namespace,
        name: record.name,
        rv: record.rv,
        obj: JSON.parse(json) as KubeObject,
        json,
        bytes: record.bytes,
        ...(record.previousBytes === undefined
          ? {}
          : { previous: JSON.parse(record.previousBytes.toString("utf8")) as KubeObject }),
      });
    }
    return result;
  }

  subscribe(listener: (event: ChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  compact(): void {
    const all = function* (buckets: Map<string, Bucket>): Generator<{ key: string; json: string }> {
      for (const bucket of buckets.values())
        for (const entry of bucket.entries.values()) yield entry;
    };
    this.persistence.compact(this.resourceVersion, all(this.buckets));
  }

  close(): void {
    if (this.compactTimer) clearTimeout(this.compactTimer);
    this.compact();
    this.persistence.close();
  }
}
