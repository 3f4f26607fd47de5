// A small JSON client for the API server on the SDK's KubeConnection: one HTTP/2 session (or
// one bounded keep-alive HTTP/1.1 pool) and TLS context for every call of the plugin
// (client-node would handshake per call).
import type { KubeConfig } from "@kubernetes/client-node";
import { KubeConnection, readAnswer } from "@sluice/sdk";
/** A non-2xx answer of the API server (or a transport failure, code 0). */
export class KubeHttpError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when no usable answer came back (transport failure, body not JSON). */
    readonly code: number,
    /** The server's `Status.message`, or the raw body / transport reason. */
    readonly detail: string,
  ) {
    super(message);
    this.name = "KubeHttpError";
  }
}

/** HTTP/1.1 sockets kept per plugin: more than the controller ever has in flight towards one plugin. */
const MAX_SOCKETS = 64;
const REQUEST_TIMEOUT_MS = 20_000;

export class KubeHttpClient {
  private readonly connection: KubeConnection;

  constructor(kubeConfig: KubeConfig) {
    this.connection = new KubeConnection(kubeConfig, MAX_SOCKETS);
  }

  /**
   * Sends one request; resolves with the parsed body of a 2xx answer, rejects with a
   * KubeHttpError otherwise.
   */
  async request(
    method: "GET" | "POST" | "PATCH",
    path: string,
    query: Record<string, string>,
    body?: unknown,
    contentType = "application/json",
  ): Promise<unknown> {
    const { headers: auth } = await this.connection.current();
    const url = this.connection.url(path, query);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { ...auth, Accept: "application/json" };
    if (payload !== undefined) {
      headers["Content-Type"] = contentType;
      headers["Content-Length"] = String(payload.length);
    }
    const what = `${method} ${url.pathname}`;
    const failure = (reason: string): KubeHttpError =>
      new KubeHttpError(`${what}: ${reason}`, 0, reason);
    const isOwn = (error: Error): boolean => error instanceof KubeHttpError;
    const response = await this.connection.send({
      method,
      url,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
      timeoutMs: REQUEST_TIMEOUT_MS,
      failure,
    });
    const code = response.statusCode;
    const text = (await readAnswer(response.body, failure, isOwn)).toString("utf8");
    const parsed = parseJson(text);
    if (code < 200 || code >= 300) {
      const detail =
        isRecord(parsed) && typeof parsed.message === "string"
          ? parsed.message
          : text.slice(0, 300) || `HTTP ${code}`;
      throw new KubeHttpError(`${what}: ${detail}`, code, detail);
    }
    if (parsed === NOT_JSON) {
      const reason = `the API server answered HTTP ${code} with a body that is not JSON`;
      throw new KubeHttpError(`${what}: ${reason}`, 0, reason);
    }
    return parsed;
  }

  /** Closes idle connections (at shutdown and in tests). */
  close(): void {
    this.connection.close();
  }
}

const NOT_JSON = Symbol("not JSON");

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
