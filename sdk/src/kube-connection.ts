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
import http from "node:http";
import https from "node:https";
import tls from "node:tls";

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

export class KubeConnection {
  /** The API server's base URL from the kubeconfig's current cluster. */
  readonly server: URL;
  readonly secure: boolean;
  private agent: http.Agent | undefined;
  private settings: (KubeConnectionSettings & { expiresAt: number }) | undefined;
  private pending: Promise<KubeConnectionSettings & { expiresAt: number }> | undefined;

  constructor(
    private readonly kubeConfig: KubeConfigLike,
    /** Sockets in the pool, all kept alive once opened. */
    private readonly maxSockets = 64,
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (cluster === null) throw new Error("the kubeconfig has no current cluster");
    this.server = new URL(cluster.server);
    this.secure = this.server.protocol === "https:";
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
    const agentOptions: https.AgentOptions = {
      ...pool,
      secureContext: tls.createSecureContext(context),
    };
    if (options.rejectUnauthorized !== undefined) {
      agentOptions.rejectUnauthorized = options.rejectUnauthorized;
    }
    if (options.servername !== undefined) agentOptions.servername = options.servername;
    return new https.Agent(agentOptions);
  }
}
