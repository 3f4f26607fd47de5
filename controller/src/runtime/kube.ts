import type { KubeConfig } from "@kubernetes/client-node";
import { KubeConnection, type KubeHttpResponse } from "@sluice/sdk";
import { KubeApiError } from "./kube-errors.js";
import {
  consumeWatchStream,
  describeObject,
  drainBody,
  expectObject,
  readBody,
  toApiError,
  type WatchEvent,
} from "./kube-http.js";
import {
  isKubeList,
  type KubeList,
  type KubeObject,
  type ResourceType,
  resourcePath,
} from "./kube-resources.js";

export { type LoadKubeConfigOptions, loadKubeConfig } from "./kube-config.js";
export type { WatchEvent, WatchEventType } from "./kube-http.js";

/** One finished API call, for the request counter in metrics.ts. */
export interface RequestRecord {
  /** get, list, watch, create, update, patch, delete. */
  verb: string;
  /** Resource plural ("replicasets"), or "Unknown" for raw requests. */
  kind: string;
  namespace: string;
  /** HTTP status as text; "error" when no answer came back. */
  statusCode: string;
  durationSeconds: number;
}

export type PatchType = "merge" | "strategic" | "json" | "apply";

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
  apply: "application/apply-patch+yaml",
};

export interface KubeClientOptions {
  /** Sent as `fieldManager` on writes (required for server-side apply). */
  fieldManager?: string;
  userAgent?: string;
  /** Per-request deadline (not used for watches). Default 30 s. */
  timeoutMs?: number;
  /** Called once per finished request, successful or not. */
  onRequest?: (record: RequestRecord) => void;
}

export interface RawRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** Labels for the request counter. */
  verb?: string;
  kind?: string;
  namespace?: string;
  /** A successful answer's body is drained unread and the request resolves undefined. */
  discardBody?: boolean;
}

export interface PatchOptions {
  patchType?: PatchType;
  subresource?: "status" | "scale";
  force?: boolean;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  /** Server closes the stream after this long; the informer then re-watches. */
  timeoutSeconds?: number;
  allowWatchBookmarks?: boolean;
}

/**
 * Connections to the API server: enough for every watch (one per informer) plus the
 * controller's workers, all kept alive once opened.
 */
const MAX_SOCKETS = 128;

/**
 * A small REST client over the API server, for any resource including CRDs. Objects come back
 * as parsed JSON checked only for `metadata` (no class conversion, no Date objects), which
 * keeps informer caches small and lets reconcilers validate with their own schemas.
 * Every request shares the SDK's KubeConnection: one HTTP/2 session when the server offers
 * HTTP/2 (as API servers do), else one keep-alive HTTP/1.1 pool; one TLS context either way.
 */
export class KubeClient {
  readonly server: URL;
  private readonly connection: KubeConnection;

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: KubeClientOptions = {},
  ) {
    this.connection = new KubeConnection(kubeConfig, MAX_SOCKETS);
    this.server = this.connection.server;
  }

  /** Close idle keep-alive connections (call at shutdown). */
  close(): void {
    this.connection.close();
  }

  async get(type: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject> {
    const body = await this.request({
      method: "GET",
      path: resourcePath(type, { namespace, name }),
      verb: "get",
      kind: type.plural,
      namespace: namespace ?? "",
    });
    return expectObject(body, `get ${type.kind} ${describeObject(namespace, name)}`);
  }

  async list(type: ResourceType, options: ListOptions = {}): Promise<KubeList> {
    const body = await this.request({
      method: "GET",
      path: resourcePath(type, { namespace: options.namespace }),
      query: {
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        limit: options.limit,
        continue: options.continueToken,
        resourceVersion: options.resourceVersion,
      },
      verb: "list",
      kind: type.plural,
      namespace: options.namespace ?? "",
    });
    if (!isKubeList(body)) {
      throw new Error(`list ${type.plural}: the API server answered something that is not a list`);
    }
    return body;
  }

  async create(type: ResourceType, obj: KubeObject): Promise<KubeObject> {
    const namespace = obj.metadata.namespace;
    const body = await this.request({
      method: "POST",
      path: resourcePath(type, { namespace }),
      query: this.writeQuery(),
      body: obj,
      verb: "create",
      kind: type.plural,
      namespace: namespace ?? "",
    });
    return expectObject(
      body,
      `create ${type.kind} ${describeObject(namespace, obj.metadata.name)}`,
    );
  }

  /**
   * PUT the whole object; `metadata.resourceVersion` makes it conditional (409 when stale).
   * Pass `subresource: "status"` to write only the status.
   */
  async update(
    type: ResourceType,
    obj: KubeObject,
    subresource?: "status" | "scale",
  ): Promise<KubeObject> {
    const { name, namespace } = obj.metadata;
    const body = await this.request({
      method: "PUT",
      path: resourcePath(type, { namespace, name, subresource }),
      query: this.writeQuery(),
      body: obj,
      verb: "update",
      kind: type.plural,
      namespace: namespace ?? "",
    });
    return expectObject(body, `update ${type.kind} ${describeObject(namespace, name)}`);
  }

  async patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    options: PatchOptions = {},
  ): Promise<KubeObject> {
    const body = await this.request(this.patchRequest(type, namespace, name, patch, options));
    return expectObject(body, `patch ${type.kind} ${describeObject(namespace, name)}`);
  }

  /**
   * The same PATCH for a caller that does not use the object the server answers with: the
   * answer is drained without being decoded or parsed (for an AnalysisRun's status write per
   * measurement, that parse was about 3% of the controller's CPU). Failures throw as `patch`.
   */
  async patchWithoutResult(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    options: PatchOptions = {},
  ): Promise<void> {
    await this.request({
      ...this.patchRequest(type, namespace, name, patch, options),
      discardBody: true,
    });
  }

  private patchRequest(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    options: PatchOptions,
  ): RawRequest {
    const patchType = options.patchType ?? "merge";
    return {
      method: "PATCH",
      path: resourcePath(type, { namespace, name, subresource: options.subresource }),
      query: { ...this.writeQuery(), force: patchType === "apply" ? options.force : undefined },
      body: patch,
      contentType: PATCH_CONTENT_TYPES[patchType],
      verb: "patch",
      kind: type.plural,
      namespace: namespace ?? "",
    };
  }

  async delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: { propagationPolicy?: "Background" | "Foreground" | "Orphan"; uid?: string } = {},
  ): Promise<void> {
    const deleteOptions: Record<string, unknown> = { kind: "DeleteOptions", apiVersion: "v1" };
    if (options.propagationPolicy !== undefined) {
      deleteOptions.propagationPolicy = options.propagationPolicy;
    }
    if (options.uid !== undefined) deleteOptions.preconditions = { uid: options.uid };
    await this.request({
      method: "DELETE",
      path: resourcePath(type, { namespace, name }),
      body: deleteOptions,
      verb: "delete",
      kind: type.plural,
      namespace: namespace ?? "",
    });
  }

  /**
   * Streams watch events until the server ends the stream (resolves), the signal aborts
   * (resolves), or something fails (rejects; an in-stream ERROR event becomes a KubeApiError
   * with the Status code, e.g. 410 when `resourceVersion` is too old).
   */
  async watch(
    type: ResourceType,
    options: WatchOptions,
    onEvent: (event: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const timeoutSeconds = options.timeoutSeconds ?? 300;
    const query = {
      watch: "true",
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      resourceVersion: options.resourceVersion,
      timeoutSeconds,
      allowWatchBookmarks: options.allowWatchBookmarks ?? true,
    };
    const path = resourcePath(type, { namespace: options.namespace });
    const started = performance.now();
    let statusCode = "error";
    try {
      const response = await this.send("GET", path, query, undefined, undefined, signal, {
        // No data for longer than the server's own timeout means the connection is dead.
        idleTimeoutMs: (timeoutSeconds + 30) * 1000,
      });
      statusCode = String(response.statusCode);
      if (response.statusCode !== 200) {
        const text = await readBody(response.body);
        throw toApiError("watch", type.plural, options.namespace, response.statusCode, text);
      }
      await consumeWatchStream(response.body, type, onEvent, signal);
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    } finally {
      this.options.onRequest?.({
        verb: "watch",
        kind: type.plural,
        namespace: options.namespace ?? "",
        statusCode,
        durationSeconds: (performance.now() - started) / 1000,
      });
    }
  }

  /** Any request; resolves with the parsed JSON body (undefined when empty). */
  async request(req: RawRequest): Promise<unknown> {
    const started = performance.now();
    let statusCode = "error";
    try {
      const response = await this.send(
        req.method,
        req.path,
        req.query ?? {},
        req.body,
        req.contentType,
        undefined,
        { timeoutMs: this.options.timeoutMs ?? 30_000 },
      );
      statusCode = String(response.statusCode);
      const code = response.statusCode;
      if (req.discardBody === true && code >= 200 && code < 300) {
        await drainBody(response.body);
        return undefined;
      }
      const text = await readBody(response.body);
      if (code < 200 || code >= 300) {
        throw toApiError(req.verb ?? req.method, req.kind ?? req.path, req.namespace, code, text);
      }
      if (text === "") return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new KubeApiError(
          `${req.method} ${req.path}: the API server answered with a body that is not JSON`,
          code,
          "",
          text.slice(0, 200),
        );
      }
    } finally {
      this.options.onRequest?.({
        verb: req.verb ?? req.method.toLowerCase(),
        kind: req.kind ?? "Unknown",
        namespace: req.namespace ?? "",
        statusCode,
        durationSeconds: (performance.now() - started) / 1000,
      });
    }
  }

  private writeQuery(): Record<string, string | undefined> {
    return { fieldManager: this.options.fieldManager };
  }

  private async send(
    method: string,
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    body: unknown,
    contentType: string | undefined,
    signal: AbortSignal | undefined,
    timing: { timeoutMs?: number; idleTimeoutMs?: number },
  ): Promise<KubeHttpResponse> {
    const settings = await this.connection.current();
    const url = this.connection.url(path, query);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { ...settings.headers, Accept: "application/json" };
    if (this.options.userAgent !== undefined) headers["User-Agent"] = this.options.userAgent;
    if (payload !== undefined) {
      headers["Content-Type"] = contentType ?? "application/json";
      headers["Content-Length"] = String(payload.length);
    }
    return this.connection.send({
      method,
      url,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
      ...(signal === undefined ? {} : { signal }),
      ...(timing.timeoutMs === undefined ? {} : { timeoutMs: timing.timeoutMs }),
      ...(timing.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: timing.idleTimeoutMs }),
      failure: (reason) => new KubeApiError(`${method} ${url.pathname}: ${reason}`, 0, "", reason),
    });
  }
}
