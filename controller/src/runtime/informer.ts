import type { Logger } from "pino";
import {
  byLabel,
  byNamespace,
  byOwnerUid,
  IndexedCache,
  type IndexFunc,
  labelIndexName,
  NAMESPACE_INDEX,
  OWNER_INDEX,
  trimObject,
} from "./informer-cache.js";
import type { KubeClient } from "./kube.js";
import { isGone } from "./kube-errors.js";
import { apiVersionOf, type KubeObject, objectKey, type ResourceType } from "./kube-resources.js";
import { errorMessage } from "./logger.js";

/** The label the original uses to split objects between controller instances (spec §10). */
export const INSTANCE_ID_LABEL = "argo-rollouts.argoproj.io/controller-instance-id";

/**
 * The label selector for `--instance-id`: with an id, only objects labelled with it; without,
 * only objects that carry no instance-id label at all (as the original does).
 */
export function instanceIdSelector(instanceId: string | undefined): string {
  return instanceId === undefined || instanceId === ""
    ? `!${INSTANCE_ID_LABEL}`
    : `${INSTANCE_ID_LABEL}=${instanceId}`;
}

/** Joins label selectors; empty parts are skipped. */
export function joinSelectors(...selectors: Array<string | undefined>): string | undefined {
  const parts = selectors.filter((s): s is string => s !== undefined && s !== "");
  return parts.length === 0 ? undefined : parts.join(",");
}

export interface InformerHandlers {
  /** `initialList` is true for objects delivered by the first list (or replayed to a late handler). */
  onAdd?(obj: KubeObject, initialList: boolean): void;
  /** Also called with old === new on resync. */
  onUpdate?(oldObj: KubeObject, newObj: KubeObject): void;
  /** Receives the last state the cache held. */
  onDelete?(obj: KubeObject): void;
}

/** The part of KubeClient an informer needs (tests pass a fake). */
export type ListWatchClient = Pick<KubeClient, "list" | "watch">;

export interface InformerOptions {
  client: ListWatchClient;
  resource: ResourceType;
  /** Watch one namespace; all namespaces when absent. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /**
   * Applied after the default trim (managedFields, last-applied annotation): drop fields of
   * this kind the controller never reads. Receives the informer's own copy; may mutate it.
   */
  transform?: (obj: KubeObject) => KubeObject;
  /** Label keys to index by value (`listByLabel`). */
  labelIndexes?: readonly string[];
  /** Further named indexes (`byIndex`). */
  indexers?: Record<string, IndexFunc>;
  /** Call onUpdate(obj, obj) for every object this often; 0 or absent: never. */
  resyncPeriodMs?: number;
  /** Objects per list page. Default 500. */
  pageSize?: number;
  /** The server ends each watch after between this and twice this. Default 300. */
  watchTimeoutSeconds?: number;
  /** Delay before retrying a failed list or watch: doubles from initial up to max. */
  backoff?: { initialMs: number; maxMs: number };
  logger?: Logger;
}

/**
 * A cache of one resource kind kept current by list + watch: lists once (in pages), then
 * watches from the list's resourceVersion; re-watches when the server closes the stream,
 * re-lists on 410 Gone, and retries failures with backoff. One informer per kind is shared
 * by every reconciler that reads that kind.
 */
export class Informer {
  readonly resource: ResourceType;
  private readonly cache: IndexedCache;
  private readonly handlers = new Set<InformerHandlers>();
  private readonly syncWaiters: Array<() => void> = [];
  private readonly log: Logger | undefined;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private synced = false;
  private resourceVersion = "";
  private lists = 0;

  constructor(private readonly options: InformerOptions) {
    this.resource = options.resource;
    const indexers: Record<string, IndexFunc> = {
      [NAMESPACE_INDEX]: byNamespace,
      [OWNER_INDEX]: byOwnerUid,
      ...options.indexers,
    };
    for (const key of options.labelIndexes ?? []) indexers[labelIndexName(key)] = byLabel(key);
    this.cache = new IndexedCache(indexers);
    this.log = options.logger?.child({ component: "informer", resource: options.resource.plural });
  }

  /** Begin listing and watching. Calling it twice has no effect. */
  start(): void {
    if (this.loop !== undefined) return;
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal);
    const period = this.options.resyncPeriodMs ?? 0;
    if (period > 0) {
      this.resyncTimer = setInterval(() => this.resync(), period);
      this.resyncTimer.unref();
    }
  }

  /** Stop watching; the cache keeps its last contents. */
  async stop(): Promise<void> {
    if (this.resyncTimer !== undefined) clearInterval(this.resyncTimer);
    this.abort?.abort();
    await this.loop;
    this.loop = undefined;
  }

  /** True once the first full list is in the cache and its handlers have run. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves when synced; rejects after `timeoutMs` if given. */
  waitForSync(timeoutMs?: number): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      this.syncWaiters.push(() => {
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          reject(
            new Error(
              `informer for ${this.resource.plural} did not sync within ${timeoutMs} ms; check that the API server is reachable and the CRD is installed`,
            ),
          );
        }, timeoutMs);
      }
    });
  }

  /**
   * Register handlers. If the cache has synced already, the current objects are replayed to
   * `onAdd` with initialList = true. Returns a function that unregisters them.
   */
  addEventHandler(handlers: InformerHandlers): () => void {
    this.handlers.add(handlers);
    if (this.synced && handlers.onAdd !== undefined) {
      for (const obj of this.cache.values()) this.call(() => handlers.onAdd?.(obj, true));
    }
    return () => this.handlers.delete(handlers);
  }

  /** Full lists performed so far: 1 after the first sync, one more per re-list (410 Gone). */
  get listCount(): number {
    return this.lists;
  }

  /** The resourceVersion the cache is current to. */
  get lastSyncResourceVersion(): string {
    return this.resourceVersion;
  }

  get size(): number {
    return this.cache.size;
  }

  /** The cached object; namespace "" or undefined for cluster-scoped kinds. */
  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.cache.get(
      namespace === undefined || namespace === "" ? name : `${namespace}/${name}`,
    );
  }

  getByKey(key: string): KubeObject | undefined {
    return this.cache.get(key);
  }

  list(): KubeObject[] {
    return [...this.cache.values()];
  }

  listByNamespace(namespace: string): KubeObject[] {
    return this.cache.byIndex(NAMESPACE_INDEX, namespace);
  }

  /** Objects with an ownerReference to `uid` (any, not only the controller reference). */
  listByOwner(uid: string): KubeObject[] {
    return this.cache.byIndex(OWNER_INDEX, uid);
  }

  /** Objects whose label `key` equals `value`; `key` must be in `labelIndexes`. */
  listByLabel(key: string, value: string): KubeObject[] {
    return this.cache.byIndex(labelIndexName(key), value);
  }

  byIndex(indexName: string, value: string): KubeObject[] {
    return this.cache.byIndex(indexName, value);
  }

  private async run(signal: AbortSignal): Promise<void> {
    const backoff = this.options.backoff ?? { initialMs: 800, maxMs: 30_000 };
    let delay = backoff.initialMs;
    let needList = true;
    while (!signal.aborted) {
      const started = Date.now();
      try {
        if (needList) {
          await this.listAndReplace();
          needList = false;
        }
        await this.watch(signal);
        // A stream that ends at once, again and again, must not become a hot loop.
        if (Date.now() - started > 1_000) {
          delay = backoff.initialMs;
          continue;
        }
        this.log?.debug("watch closed immediately; backing off");
      } catch (error) {
        if (signal.aborted) break;
        if (isGone(error)) {
          // Our resourceVersion is too old for the server: start over from a fresh list.
          this.log?.info({ err: errorMessage(error) }, "watch expired (410 Gone); re-listing");
          needList = true;
          continue;
        }
        this.log?.warn(
          { err: errorMessage(error), retryInMs: delay },
          `${needList ? "list" : "watch"} of ${this.resource.plural} failed; retrying`,
        );
      }
      await abortableSleep(delay * (1 + Math.random() * 0.2), signal);
      delay = Math.min(delay * 2, backoff.maxMs);
    }
  }

  private async listAndReplace(): Promise<void> {
    const fresh: KubeObject[] = [];
    let continueToken: string | undefined;
    let resourceVersion = "";
    do {
      const page = await this.options.client.list(this.resource, {
        namespace: this.options.namespace,
        labelSelector: this.options.labelSelector,
        fieldSelector: this.options.fieldSelector,
        limit: this.options.pageSize ?? 500,
        continueToken,
      });
      for (const item of page.items) fresh.push(this.prepare(item));
      resourceVersion = page.metadata.resourceVersion ?? resourceVersion;
      continueToken = page.metadata.continue === "" ? undefined : page.metadata.continue;
    } while (continueToken !== undefined);
    this.lists++;
    this.replace(fresh);
    this.resourceVersion = resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const wake of this.syncWaiters.splice(0)) wake();
      this.log?.info({ objects: this.cache.size }, "cache synced");
    }
  }

  /** Make the cache equal to `fresh`, telling handlers what changed. */
  private replace(fresh: KubeObject[]): void {
    const initial = !this.synced;
    const seen = new Set<string>();
    for (const obj of fresh) {
      const key = objectKey(obj);
      seen.add(key);
      const previous = this.cache.upsert(obj);
      if (previous === undefined) this.emitAdd(obj, initial);
      else if (previous.metadata.resourceVersion !== obj.metadata.resourceVersion) {
        this.emitUpdate(previous, obj);
      }
    }
    for (const key of [...this.cache.keys()]) {
      if (seen.has(key)) continue;
      const gone = this.cache.remove(key);
      if (gone !== undefined) this.emitDelete(gone);
    }
  }

  private async watch(signal: AbortSignal): Promise<void> {
    const minTimeout = this.options.watchTimeoutSeconds ?? 300;
    await this.options.client.watch(
      this.resource,
      {
        namespace: this.options.namespace,
        labelSelector: this.options.labelSelector,
        fieldSelector: this.options.fieldSelector,
        resourceVersion: this.resourceVersion,
        timeoutSeconds: Math.round(minTimeout * (1 + Math.random())),
        allowWatchBookmarks: true,
      },
      (event) => {
        if (signal.aborted) return;
        const version = event.object.metadata.resourceVersion;
        if (event.type === "BOOKMARK") {
          if (version !== undefined) this.resourceVersion = version;
          return;
        }
        const obj = this.prepare(event.object);
        if (event.type === "DELETED") {
          const gone = this.cache.remove(objectKey(obj));
          this.emitDelete(gone ?? obj);
        } else {
          const previous = this.cache.upsert(obj);
          if (previous === undefined) this.emitAdd(obj, false);
          else this.emitUpdate(previous, obj);
        }
        if (version !== undefined) this.resourceVersion = version;
      },
      signal,
    );
  }

  private prepare(obj: KubeObject): KubeObject {
    const trimmed = trimObject(obj);
    // Items of a list response carry no apiVersion/kind; Events and owner references built
    // from cached objects need them, so every cached object has them.
    trimmed.apiVersion ??= apiVersionOf(this.resource);
    trimmed.kind ??= this.resource.kind;
    return this.options.transform === undefined ? trimmed : this.options.transform(trimmed);
  }

  private resync(): void {
    if (!this.synced) return;
    for (const obj of this.cache.values()) this.emitUpdate(obj, obj);
  }

  private emitAdd(obj: KubeObject, initial: boolean): void {
    for (const h of this.handlers) this.call(() => h.onAdd?.(obj, initial));
  }

  private emitUpdate(oldObj: KubeObject, newObj: KubeObject): void {
    for (const h of this.handlers) this.call(() => h.onUpdate?.(oldObj, newObj));
  }

  private emitDelete(obj: KubeObject): void {
    for (const h of this.handlers) this.call(() => h.onDelete?.(obj));
  }

  /** A throwing handler is logged and skipped; it never stops the informer. */
  private call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.log?.error({ err: errorMessage(error) }, "informer event handler threw");
    }
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
