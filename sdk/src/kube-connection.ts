// Connections to the Kubernetes API server for anything that talks to it often: the controller
// and plugins that read and write objects (a router changing an Ingress on every step).
//
// @kubernetes/client-node (1.4) builds a new HTTPS agent for every request, so each call pays
// a TLS handshake; under a burst that handshaking becomes the main cost (a router plugin took
// 0.9 s per one-GET call at 5,000 Rollouts; TLS setup was the top of the controller's profile).
// Here the kubeconfig's credentials and TLS material are read once, refreshed every
// CREDENTIAL_TTL_MS (so rotated tokens are picked up), and every request shares one bounded
// keep-alive agent with one TLS context. Every idle socket is kept: with more requests in
// flight than idle sockets kept, a burst would close and re-handshake connections constantly.
// `send` goes further when the server speaks HTTP/2: one multiplexed session for everything
// (kube-transport.ts).
import http from "node:http";
import https from "node:https";
import tls from "node:tls";
import {
  Http2Sessions,
  type Http2TlsSettings,
  type KubeHttpRequest,
  type KubeHttpResponse,
  sendHttp1,
  sendHttp2,
} from "./kube-transport.js";

/** The part of client-node's KubeConfig used here (so the SDK does not depend on it). */
export interface KubeConfigLike {
  getCurrentCluster(): { server: string } | null;
  applyToHTTPSOptions(options: https.RequestOptions): Promise<void>;
}

export interface KubeConnectionSettings {
  /** Authorization and any other headers the kubeconfig asks for. */
  headers: Record<string, string>;
  agent: http.Agent;
}

const CREDENTIAL_TTL_MS = 10_000;

const DEADLINE = new Error("deadline");

/** `pending`, or DEADLINE thrown once the request's own deadline passes first. */
function withinDeadline<T>(pending: Promise<T>, request: KubeHttpRequest): Promise<T> {
  const timeoutMs = request.timeoutMs;
  if (timeoutMs === undefined) return pending;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(DEADLINE), timeoutMs);
  });
  return Promise.race([pending, expired]).finally(() => clearTimeout(timer));
}

export class KubeConnection {
  /** The API server's base URL from the kubeconfig's current cluster. */
  readonly server: URL;
  readonly secure: boolean;
  private agent: http.Agent | undefined;
  private settings: (KubeConnectionSettings & { expiresAt: number }) | undefined;
  private pending: Promise<KubeConnectionSettings & { expiresAt: number }> | undefined;
  private tlsSettings: Http2TlsSettings | undefined;
  private readonly http2: Http2Sessions | undefined;

  constructor(
    private readonly kubeConfig: KubeConfigLike,
    /** Sockets in the pool, all kept alive once opened. */
    private readonly maxSockets = 64,
    /** `send` uses HTTP/2 when an https server offers it (false: HTTP/1.1 always). */
    useHttp2 = true,
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (cluster === null) throw new Error("the kubeconfig has no current cluster");
    this.server = new URL(cluster.server);
    this.secure = this.server.protocol === "https:";
    this.http2 =
      this.secure && useHttp2
        ? new Http2Sessions(this.server, async () => {
            await this.current();
            if (this.tlsSettings === undefined) throw new Error("no TLS settings were loaded");
            return this.tlsSettings;
          })
        : undefined;
  }

  /**
   * One request to the API server: on the HTTP/2 session when the server speaks HTTP/2,
   * otherwise on the HTTP/1.1 pool. `request.headers` must already carry the credentials
   * (`current().headers`).
   */
  async send(request: KubeHttpRequest): Promise<KubeHttpResponse> {
    if (this.http2 !== undefined && !this.http2.http1Only) {
      // The usual case takes no wait: the session is open.
      let session = this.http2.live();
      let exchange = request;
      if (session === undefined) {
        const started = Date.now();
        try {
          session = await withinDeadline(this.http2.get(), request);
          // What connecting took comes off the request's deadline.
          if (request.timeoutMs !== undefined) {
            const left = Math.max(1, request.timeoutMs - (Date.now() - started));
            exchange = { ...request, timeoutMs: left };
          }
        } catch (error) {
          if (error === DEADLINE) {
            throw request.failure(
              `no answer within ${request.timeoutMs ?? 0} ms (still connecting)`,
            );
          }
          // Refused, unreachable, or the TLS handshake failed: named like any other failure.
          throw request.failure(error instanceof Error ? error.message : String(error));
        }
      }
      if (session !== undefined) return sendHttp2(exchange, session, this.http2);
    }
    const settings = await this.current();
    return sendHttp1(request, settings.agent, this.request);
  }

  /** The shared agent and current headers, reloading credentials when they are due. */
  async current(): Promise<KubeConnectionSettings> {
    if (this.settings !== undefined && this.settings.expiresAt > Date.now()) return this.settings;
    this.pending ??= this.load().finally(() => {
      this.pending = undefined;
    });
    this.settings = await this.pending;
    return this.settings;
  }

  /** The request function for the server's scheme. */
  get request(): typeof http.request {
    return this.secure ? https.request : http.request;
  }

  /** A URL on the server for an API path and query (empty and undefined values left out). */
  url(path: string, query: Record<string, string | number | boolean | undefined> = {}): URL {
    const url = new URL(this.server.href.replace(/\/$/, "") + path);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== "") url.searchParams.set(key, String(value));
    }
    return url;
  }

  /** Closes idle connections (at shutdown). */
  close(): void {
    this.http2?.close();
    this.agent?.destroy();
  }

  private async load(): Promise<KubeConnectionSettings & { expiresAt: number }> {
    const options: https.RequestOptions = {};
    try {
      await this.kubeConfig.applyToHTTPSOptions(options);
    } catch (error) {
      // client-node refuses plain http unless skipTLSVerify is set, but only after it has
      // filled in the headers; a plain-http loopback server is still usable.
      if (this.secure) throw error;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (typeof value === "string" || typeof value === "number") headers[name] = String(value);
    }
    if (typeof options.auth === "string" && options.auth !== "") {
      headers.Authorization = `Basic ${Buffer.from(options.auth).toString("base64")}`;
    }
    this.agent ??= this.makeAgent(options);
    return { headers, agent: this.agent, expiresAt: Date.now() + CREDENTIAL_TTL_MS };
  }

  private makeAgent(options: https.RequestOptions): http.Agent {
    const pool = { keepAlive: true, maxSockets: this.maxSockets, maxFreeSockets: this.maxSockets };
    if (!this.secure) return new http.Agent(pool);
    const context: tls.SecureContextOptions = {};
    if (options.ca !== undefined) context.ca = options.ca;
    if (options.cert !== undefined) context.cert = options.cert;
    if (options.key !== undefined) context.key = options.key;
    const secureContext = tls.createSecureContext(context);
    this.tlsSettings = {
      secureContext,
      ...(options.rejectUnauthorized === undefined
        ? {}
        : { rejectUnauthorized: options.rejectUnauthorized }),
      ...(options.servername === undefined ? {} : { servername: options.servername }),
    };
    const agentOptions: https.AgentOptions = { ...pool, secureContext };
    if (options.rejectUnauthorized !== undefined) {
      agentOptions.rejectUnauthorized = options.rejectUnauthorized;
    }
    if (options.servername !== undefined) agentOptions.servername = options.servername;
    return new https.Agent(agentOptions);
  }
}
