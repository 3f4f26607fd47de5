import { hostname } from "node:os";
import type { Logger } from "pino";
import type { KubeClient } from "./kube.js";
import { isNotFound } from "./kube-errors.js";
import { type KubeObject, RESOURCES } from "./kube-resources.js";
import { errorMessage } from "./logger.js";

/** `source.component` and `reportingComponent` of every Event this controller writes. */
export const EVENT_COMPONENT = "sluice-controller";

export type EventType = "Normal" | "Warning";

/** The object an Event is about (core/v1 ObjectReference). */
export interface InvolvedObject {
  apiVersion?: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface EventRecorderOptions {
  client: Pick<KubeClient, "create" | "patch">;
  /** Default EVENT_COMPONENT. */
  component?: string;
  /** `reportingInstance`; default the host name (the pod name in a cluster). */
  instance?: string;
  /** Writes one object may burst. Default 25. */
  burstPerObject?: number;
  /** Sustained writes per second per object. Default 1. */
  refillPerSecond?: number;
  /** Writes in flight at once. Default 4. */
  concurrency?: number;
  /** Distinct events remembered for aggregation. Default 4096. */
  maxTracked?: number;
  /** Writes waiting beyond this are dropped (counted). Default 10,000. */
  maxPending?: number;
  onDropped?: (reason: string) => void;
  logger?: Logger;
}

interface TrackedEvent {
  namespace: string;
  name: string;
  involved: InvolvedObject;
  type: EventType;
  reason: string;
  message: string;
  count: number;
  /** Count as last written to the API server (0: not created yet). */
  writtenCount: number;
  firstTimestamp: string;
  lastTimestamp: string;
  /** Waiting in `pending`. */
  queued: boolean;
  /** A write is in flight. */
  writing: boolean;
  /** Repeats arrived during the write: write again after it (serialised per event). */
  followUp: boolean;
}

interface Bucket {
  tokens: number;
  last: number;
}

/** Events may quote user input; the newer events API caps notes at 1 kB, and so do we. */
const MAX_MESSAGE_LENGTH = 1024;

/** metav1.Time: RFC 3339 in whole seconds. */
function kubeTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function involvedOf(obj: InvolvedObject | KubeObject): InvolvedObject {
  if (!("metadata" in obj)) return obj;
  const ref: InvolvedObject = { kind: obj.kind ?? "Unknown", name: obj.metadata.name };
  if (obj.apiVersion !== undefined) ref.apiVersion = obj.apiVersion;
  if (obj.metadata.namespace !== undefined) ref.namespace = obj.metadata.namespace;
  if (obj.metadata.uid !== undefined) ref.uid = obj.metadata.uid;
  if (obj.metadata.resourceVersion !== undefined) {
    ref.resourceVersion = obj.metadata.resourceVersion;
  }
  return ref;
}

let nameCounter = 0;

/** Unique event name in the style of client-go: "<object>.<hex timestamp>". */
function eventName(objectName: string): string {
  nameCounter = (nameCounter + 1) % 1_000_000;
  const stamp = (BigInt(Date.now()) * 1_000_000n + BigInt(nameCounter)).toString(16);
  return `${objectName.slice(0, 253 - stamp.length - 1)}.${stamp}`;
}

/**
 * Writes core/v1 Events. Identical events (same object, type, reason and message) are
 * aggregated into one Event whose `count` and `lastTimestamp` grow, as `kubectl describe`
 * shows them. Each object has a token bucket so a reconcile loop gone hot cannot flood the
 * API server; repeats that arrive while a write is waiting are folded into that write.
 * Recording never throws and never blocks the caller.
 */
export class EventRecorder {
  private readonly component: string;
  private readonly instance: string;
  private readonly burst: number;
  private readonly refillPerMs: number;
  private readonly concurrency: number;
  private readonly maxTracked: number;
  private readonly maxPending: number;
  private readonly log: Logger | undefined;
  /** Aggregation key → event (Map order is least-recently-used first). */
  private readonly tracked = new Map<string, TrackedEvent>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly pending: string[] = [];
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: EventRecorderOptions) {
    this.component = options.component ?? EVENT_COMPONENT;
    this.instance = options.instance ?? hostname();
    this.burst = options.burstPerObject ?? 25;
    this.refillPerMs = (options.refillPerSecond ?? 1) / 1000;
    this.concurrency = options.concurrency ?? 4;
    this.maxTracked = options.maxTracked ?? 4096;
    this.maxPending = options.maxPending ?? 10_000;
    this.log = options.logger?.child({ component: "events" });
  }

  normal(obj: InvolvedObject | KubeObject, reason: string, message: string): void {
    this.event(obj, "Normal", reason, message);
  }

  warning(obj: InvolvedObject | KubeObject, reason: string, message: string): void {
    this.event(obj, "Warning", reason, message);
  }

  /** Record an event about `obj`. Returns at once; the write happens in the background. */
  event(obj: InvolvedObject | KubeObject, type: EventType, reason: string, message: string): void {
    const involved = involvedOf(obj);
    const text =
      message.length > MAX_MESSAGE_LENGTH
        ? `${message.slice(0, MAX_MESSAGE_LENGTH - 3)}...`
        : message;
    // Events about cluster-scoped objects live in "default", as kubectl looks for them there.
    const namespace = involved.namespace ?? "default";
    const objectId = `${namespace}/${involved.kind}/${involved.name}/${involved.uid ?? ""}`;
    const key = `${objectId}/${type}/${reason}/${text}`;
    const now = Date.now();
    let entry = this.tracked.get(key);
    if (entry === undefined) {
      entry = {
        namespace,
        name: eventName(involved.name),
        involved,
        type,
        reason,
        message: text,
        count: 0,
        writtenCount: 0,
        firstTimestamp: kubeTime(now),
        lastTimestamp: kubeTime(now),
        queued: false,
        writing: false,
        followUp: false,
      };
    } else {
      this.tracked.delete(key);
    }
    this.tracked.set(key, entry);
    entry.count++;
    entry.lastTimestamp = kubeTime(now);
    entry.involved = involved;
    this.evictOldest();
    // Already waiting to be written: this repeat rides along with that write.
    if (entry.queued || entry.followUp) return;
    if (!this.takeToken(objectId, now)) {
      this.drop("rate-limited", key, entry);
      return;
    }
    if (entry.writing) {
      entry.followUp = true;
      return;
    }
    if (this.pending.length >= this.maxPending) {
      this.drop("queue-full", key, entry);
      return;
    }
    entry.queued = true;
    this.pending.push(key);
    this.pump();
  }

  /** Resolves when every recorded event has been written (or has failed). */
  flush(): Promise<void> {
    if (this.pending.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private drop(reason: string, key: string, entry: TrackedEvent): void {
    this.options.onDropped?.(reason);
    this.log?.debug(
      { reason: entry.reason, object: `${entry.namespace}/${entry.involved.name}`, why: reason },
      "event not written",
    );
    // A never-written event is forgotten so a later occurrence starts a fresh one; the
    // count of a written one keeps growing and goes out with its next write.
    if (entry.writtenCount === 0 && !entry.writing) this.tracked.delete(key);
  }

  private takeToken(objectId: string, now: number): boolean {
    let bucket = this.buckets.get(objectId);
    if (bucket === undefined) {
      bucket = { tokens: this.burst, last: now };
    } else {
      this.buckets.delete(objectId);
      bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.last) * this.refillPerMs);
      bucket.last = now;
    }
    this.buckets.set(objectId, bucket);
    if (this.buckets.size > this.maxTracked) {
      const oldest = this.buckets.keys().next();
      if (oldest.done !== true) this.buckets.delete(oldest.value);
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  private evictOldest(): void {
    while (this.tracked.size > this.maxTracked) {
      const oldest = this.tracked.entries().next();
      if (oldest.done === true) return;
      const [key, entry] = oldest.value;
      if (entry.queued || entry.writing) return;
      this.tracked.delete(key);
    }
  }

  private pump(): void {
    while (this.inFlight < this.concurrency) {
      const key = this.pending.shift();
      if (key === undefined) break;
      const entry = this.tracked.get(key);
      if (entry === undefined) continue;
      entry.queued = false;
      entry.writing = true;
      this.inFlight++;
      void this.write(entry).finally(() => {
        entry.writing = false;
        if (entry.followUp) {
          entry.followUp = false;
          entry.queued = true;
          this.pending.push(key);
        }
        this.inFlight--;
        this.pump();
        if (this.inFlight === 0 && this.pending.length === 0) {
          for (const wake of this.idleWaiters.splice(0)) wake();
        }
      });
    }
  }

  private async write(entry: TrackedEvent): Promise<void> {
    const count = entry.count;
    try {
      if (entry.writtenCount > 0) {
        try {
          await this.options.client.patch(
            RESOURCES.events,
            entry.namespace,
            entry.name,
            { count, lastTimestamp: entry.lastTimestamp },
            { patchType: "merge" },
          );
          entry.writtenCount = count;
          return;
        } catch (error) {
          // The Event expired (the API server keeps them about an hour): start a new one.
          if (!isNotFound(error)) throw error;
          entry.name = eventName(entry.involved.name);
        }
      }
      await this.options.client.create(RESOURCES.events, this.toEvent(entry, count));
      entry.writtenCount = count;
    } catch (error) {
      this.log?.warn(
        {
          err: errorMessage(error),
          reason: entry.reason,
          object: `${entry.namespace}/${entry.involved.name}`,
        },
        "could not write event",
      );
    }
  }

  private toEvent(entry: TrackedEvent, count: number): KubeObject {
    return {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: entry.name, namespace: entry.namespace },
      involvedObject: { ...entry.involved },
      reason: entry.reason,
      message: entry.message,
      type: entry.type,
      count,
      firstTimestamp: entry.firstTimestamp,
      lastTimestamp: entry.lastTimestamp,
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.instance,
    };
  }
}
