import type { ServerResponse } from "node:http";
import {
  type FieldSelector,
  type LabelSelector,
  matchesFields,
  matchesLabels,
} from "../api/selectors.js";
import type { KubeObject } from "../api/types.js";
import type { ChangeEvent, Store } from "../store/store.js";

export interface WatchRequest {
  key: string;
  /** Empty for all namespaces / cluster-scoped resources. */
  namespace: string;
  labels: LabelSelector;
  fields: FieldSelector;
  /** Undefined, "" or "0": start with the current state as ADDED events. */
  resourceVersion: number | undefined;
  bookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutSeconds: number;
  apiVersion: string;
  kind: string;
  /** Renders an object for the wire when it is not sent as stored (kubectl's Table watch). */
  render?: (obj: KubeObject) => string;
}

export interface WatchLimits {
  /** Bytes queued for one watcher before it is judged too slow and disconnected. */
  maxBufferedBytes: number;
  bookmarkIntervalMs: number;
  /**
   * Least time between two flushes to the watchers. Under a stream of changes each flush then
   * carries several events per watcher (one TLS record and one syscall for all of them)
   * instead of one flush per incoming request; an isolated change still goes out at once.
   */
  flushIntervalMs?: number;
}

/** Default of `flushIntervalMs`: adds at most this to a delivery, only under load. */
const DEFAULT_FLUSH_INTERVAL_MS = 2;

interface Watcher {
  request: WatchRequest;
  response: ServerResponse;
  closed: boolean;
  /** Lines waiting for the next flush (shared between watchers): many events, one TLS write. */
  pending: Buffer[];
  pendingBytes: number;
  /** Unsent bytes allowed; raised for a watch that starts by replaying a large state. */
  limit: number;
}

function matches(request: WatchRequest, obj: KubeObject): boolean {
  if (request.namespace !== "" && obj.metadata.namespace !== request.namespace) return false;
  return matchesLabels(request.labels, obj.metadata.labels) && matchesFields(request.fields, obj);
}

/**
 * Fans store changes out to watch responses. Each event's line is built once per event type
 * from the object's cached bytes and shared by every watcher that receives it; watchers whose
 * pending lines are the same get the same joined buffer. A watcher whose socket holds more than
 * `maxBufferedBytes` unsent is disconnected (it relists and re-watches, as clients do).
 */
export class WatchHub {
  private readonly watchers = new Map<string, Set<Watcher>>();
  readonly stats = { slowDisconnects: 0 };

  constructor(
    private readonly store: Store,
    private readonly limits: WatchLimits,
  ) {
    store.subscribe((event) => this.dispatch(event));
  }

  get count(): number {
    let total = 0;
    for (const set of this.watchers.values()) total += set.size;
    return total;
  }

  private readonly dirty = new Set<Watcher>();
  private flushScheduled = false;
  private lastFlushAt = 0;

  private write(watcher: Watcher, line: Buffer): void {
    if (watcher.closed) return;
    watcher.pending.push(line);
    watcher.pendingBytes += line.length;
    if (watcher.pendingBytes + watcher.response.writableLength > watcher.limit) {
      // A watcher that cannot keep up is cut off (it relists), never buffered without bound.
      this.stats.slowDisconnects++;
      watcher.pending = [];
      this.close(watcher);
      watcher.response.destroy();
      return;
    }
    this.dirty.add(watcher);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      const wait =
        this.lastFlushAt +
        (this.limits.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS) -
        performance.now();
      if (wait > 0) setTimeout(() => this.flush(), wait);
      else setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    this.lastFlushAt = performance.now();
    let previous: Buffer[] = [];
    let joined: Buffer | undefined;
    for (const watcher of this.dirty) {
      const pending = watcher.pending;
      if (!watcher.closed && pending.length > 0) {
        // Watchers of the same collection usually hold the very same lines: join them once.
        if (!joined || !sameLines(previous, pending))
          joined = pending.length === 1 ? pending[0] : Buffer.concat(pending, watcher.pendingBytes);
        previous = pending;
        if (joined) watcher.response.write(joined);
      }
      watcher.pending = [];
      watcher.pendingBytes = 0;
    }
    this.dirty.clear();
  }

  private close(watcher: Watcher): void {
    if (watcher.closed) return;
    watcher.closed = true;
    this.watchers.get(watcher.request.key)?.delete(watcher);
  }

  /** The event's type as this watcher sees it, or undefined when it is not for this watcher. */
  private eventType(request: WatchRequest, event: ChangeEvent): string | undefined {
    const now = matches(request, event.obj);
    const before = event.previous !== undefined && matches(request, event.previous);
    // A change that moves an object into or out of the selection looks like ADDED/DELETED.
    if (event.type === "MODIFIED") {
      if (now && !before) return "ADDED";
      if (!now && before) return "DELETED";
      if (!now) return undefined;
      return event.type;
    }
    return now ? event.type : undefined;
  }

  private eventLine(watcher: Watcher, event: ChangeEvent): Buffer | undefined {
    const type = this.eventType(watcher.request, event);
    if (type === undefined) return undefined;
    if (watcher.request.render) return renderedLine(type, watcher.request.render(event.obj));
    return eventBytes(type, event.bytes);
  }

  private dispatch(event: ChangeEvent): void {
    const set = this.watchers.get(event.key);
    if (!set) return;
    // One line per type the event takes (usually one), shared by all the watchers.
    const lines = new Map<string, Buffer>();
    for (const watcher of set) {
      const type = this.eventType(watcher.request, event);
      if (type === undefined) continue;
      if (watcher.request.render) {
        this.write(watcher, renderedLine(type, watcher.request.render(event.obj)));
        continue;
      }
      let line = lines.get(type);
      if (!line) {
        line = eventBytes(type, event.bytes);
        lines.set(type, line);
      }
      this.write(watcher, line);
    }
  }

  private bookmark(request: WatchRequest, initialEventsEnd: boolean): Buffer {
    const metadata: Record<string, unknown> = {
      resourceVersion: String(this.store.currentResourceVersion),
    };
    if (initialEventsEnd) metadata.annotations = { "k8s.io/initial-events-end": "true" };
    return Buffer.from(
      `${JSON.stringify({ type: "BOOKMARK", object: { kind: request.kind, apiVersion: request.apiVersion, metadata } })}\n`,
    );
  }

  serve(request: WatchRequest, response: ServerResponse): void {
    response.writeHead(200, { "content-type": "application/json", "cache-control": "no-cache" });
    // Clients (client-node's fetch) wait for the headers before they consider the watch open.
    response.flushHeaders();
    const watcher: Watcher = {
      request,
      response,
      closed: false,
      pending: [],
      pendingBytes: 0,
      limit: this.limits.maxBufferedBytes,
    };
    if (request.resourceVersion === undefined || request.resourceVersion === 0) {
      // The initial state goes straight to the socket; only live events count as falling behind.
      const lines: string[] = [];
      let bytes = 0;
      for (const entry of this.store.list(request.key, request.namespace)) {
        if (!matches(request, entry.obj)) continue;
        const body = request.render ? request.render(entry.obj) : entry.json;
        const line = `{"type":"ADDED","object":${body}}\n`;
        lines.push(line);
        bytes += line.length;
        if (lines.length >= 1000) response.write(lines.splice(0).join(""));
      }
      if (lines.length > 0) response.write(lines.join(""));
      watcher.limit = Math.max(this.limits.maxBufferedBytes, bytes * 2);
      if (request.bookmarks && request.sendInitialEvents)
        this.write(watcher, this.bookmark(request, true));
    } else {
      const events = this.store.eventsSince(request.resourceVersion, request.key);
      if (events === undefined) {
        const status = {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: `too old resource version: ${request.resourceVersion} (${this.store.oldestResumableVersion})`,
          reason: "Expired",
          code: 410,
        };
        response.end(`${JSON.stringify({ type: "ERROR", object: status })}\n`);
        return;
      }
      for (const event of events) {
        if (event.key !== request.key) continue;
        const line = this.eventLine(watcher, event);
        if (line) this.write(watcher, line);
      }
    }
    if (watcher.closed) return;
    let set = this.watchers.get(request.key);
    if (!set) {
      set = new Set();
      this.watchers.set(request.key, set);
    }
    set.add(watcher);
    const bookmarkTimer = request.bookmarks
      ? setInterval(
          () => this.write(watcher, this.bookmark(request, false)),
          this.limits.bookmarkIntervalMs,
        )
      : undefined;
    const timeout = setTimeout(() => {
      this.close(watcher);
      response.end(Buffer.concat(watcher.pending));
      watcher.pending = [];
    }, request.timeoutSeconds * 1000);
    const cleanup = (): void => {
      clearTimeout(timeout);
      if (bookmarkTimer) clearInterval(bookmarkTimer);
      this.close(watcher);
    };
    response.on("close", cleanup);
    response.on("error", cleanup);
  }

  /** Ends every watch (server stop). */
  closeAll(): void {
    for (const set of this.watchers.values()) {
      for (const watcher of set) {
        watcher.closed = true;
        watcher.response.end(Buffer.concat(watcher.pending));
      }
      set.clear();
    }
  }
}

/** A line for a watcher that gets objects rendered its own way (a Table). */
function renderedLine(type: string, body: string): Buffer {
  return Buffer.from(`{"type":"${type}","object":${body}}\n`);
}

/** `{"type":TYPE,"object":OBJECT}` and a newline, from the object's cached bytes. */
function eventBytes(type: string, object: Buffer): Buffer {
  const head = EVENT_HEADS[type] ?? Buffer.from(`{"type":"${type}","object":`);
  return Buffer.concat([head, object, EVENT_TAIL], head.length + object.length + EVENT_TAIL.length);
}

const EVENT_HEADS: Record<string, Buffer> = Object.fromEntries(
  ["ADDED", "MODIFIED", "DELETED"].map((type) => [
    type,
    Buffer.from(`{"type":"${type}","object":`),
  ]),
);
const EVENT_TAIL = Buffer.from("}\n");

function sameLines(a: Buffer[], b: Buffer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
