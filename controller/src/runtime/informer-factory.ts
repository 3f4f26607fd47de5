import type { Logger } from "pino";
import { Informer, type InformerHandlers, type InformerOptions } from "./informer.js";
import { controllerOf, type KubeObject, objectKey } from "./kube-resources.js";

/** Options every informer of a factory shares (scope, selector, client, logging). */
export type SharedInformerDefaults = Pick<
  InformerOptions,
  "client" | "namespace" | "resyncPeriodMs" | "logger" | "backoff" | "pageSize"
>;

/** Per-kind options: what to trim, which indexes, and a selector of its own. */
export type PerKindOptions = Omit<InformerOptions, "client" | "resource">;

/**
 * One informer per (kind, namespace, selector), shared by every reconciler that reads the
 * kind, so each object is listed, watched and cached once. Start them together and wait on
 * `hasSynced` for /readyz.
 */
export class SharedInformers {
  private readonly informers = new Map<string, Informer>();
  private started = false;
  private readonly log: Logger | undefined;

  constructor(private readonly defaults: SharedInformerDefaults) {
    this.log = defaults.logger;
  }

  /**
   * The informer for `resource` with these options; the same instance for the same kind,
   * namespace and selectors. Indexes and transform come from the first caller.
   */
  informerFor(resource: InformerOptions["resource"], options: PerKindOptions = {}): Informer {
    const namespace = options.namespace ?? this.defaults.namespace ?? "";
    const key = [
      resource.group,
      resource.version,
      resource.plural,
      resource.namespaced ? namespace : "",
      options.labelSelector ?? "",
      options.fieldSelector ?? "",
    ].join("|");
    let informer = this.informers.get(key);
    if (informer === undefined) {
      informer = new Informer({
        ...this.defaults,
        ...options,
        // A cluster-scoped kind ignores --namespace: it has no namespace to watch in.
        namespace: resource.namespaced && namespace !== "" ? namespace : undefined,
        resource,
      });
      this.informers.set(key, informer);
      if (this.started) informer.start();
    }
    return informer;
  }

  /** Start every informer (and any created later). */
  start(): void {
    this.started = true;
    for (const informer of this.informers.values()) informer.start();
  }

  async stop(): Promise<void> {
    this.started = false;
    await Promise.all([...this.informers.values()].map((informer) => informer.stop()));
  }

  /** True when every informer has synced. */
  hasSynced(): boolean {
    for (const informer of this.informers.values()) if (!informer.hasSynced()) return false;
    return true;
  }

  /** Kinds not yet synced, for /readyz's reason. */
  unsynced(): string[] {
    return [...this.informers.values()]
      .filter((informer) => !informer.hasSynced())
      .map((informer) => informer.resource.plural);
  }

  async waitForSync(timeoutMs?: number): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync(timeoutMs)));
    this.log?.info({ informers: this.informers.size }, "all informer caches synced");
  }
}

/** Something keys can be added to: a WorkQueue. */
export interface KeySink {
  add(key: string): void;
}

/** Handlers that queue an object's own key on every add, update and delete. */
export function enqueueObject(queue: KeySink): InformerHandlers {
  const add = (obj: KubeObject): void => queue.add(objectKey(obj));
  return { onAdd: add, onUpdate: (_old, obj) => add(obj), onDelete: add };
}

/**
 * Handlers that queue the controlling owner of an object when that owner is of `ownerKind`
 * (a ReplicaSet event wakes its Rollout). On an update that changed the owner, both the old
 * and the new owner are queued.
 */
export function enqueueOwner(queue: KeySink, ownerKind: string): InformerHandlers {
  const ownerKey = (obj: KubeObject): string | undefined => {
    const owner = controllerOf(obj);
    if (owner === undefined || owner.kind !== ownerKind) return undefined;
    const namespace = obj.metadata.namespace;
    return namespace === undefined || namespace === "" ? owner.name : `${namespace}/${owner.name}`;
  };
  const add = (obj: KubeObject): void => {
    const key = ownerKey(obj);
    if (key !== undefined) queue.add(key);
  };
  return {
    onAdd: add,
    onUpdate: (oldObj, newObj) => {
      const before = ownerKey(oldObj);
      const after = ownerKey(newObj);
      if (before !== undefined && before !== after) queue.add(before);
      if (after !== undefined) queue.add(after);
    },
    onDelete: add,
  };
}
