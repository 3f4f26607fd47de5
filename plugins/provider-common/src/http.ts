// One small HTTP client for the providers: a whole-request deadline, optional insecure TLS,
// headers, redirects the way Go's net/http follows them, keep-alive connections (the analysis
// benchmark drives thousands of measurements a second through the Web provider).
import http from "node:http";
import https from "node:https";
import { formatDurationMs } from "./duration.js";

export interface HttpRequest {
  method: string;
  url: string | URL;
  headers?: Readonly<Record<string, string>>;
  body?: string | Buffer;
  /** Skip TLS certificate verification (`insecure: true` in the metric). */
  insecure?: boolean;
  /** Absolute time (epoch ms) by which the whole exchange, redirects included, must end. */
  deadline: number;
  /** The configured timeout, for the message when the deadline passes. */
  timeoutMs?: number;
  /** Largest body accepted, in bytes; more is an error rather than memory growth. */
  maxBodyBytes?: number;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The URL that answered, after redirects. */
  url: URL;
}

/** The request never got an HTTP answer (refused, reset, DNS, TLS, deadline). */
export class HttpTransportError extends Error {
  override readonly name = "HttpTransportError";
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
  }
}

const DEFAULT_MAX_BODY = 16 * 1024 * 1024;
const MAX_REDIRECTS = 10;
// Sent only when the caller sets none, like Go's client does; some servers refuse requests
// without a user agent.
const USER_AGENT = "sluice-metric-provider";

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 256 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 256 }),
  httpsInsecure: new https.Agent({ keepAlive: true, maxSockets: 256, rejectUnauthorized: false }),
};

/**
 * A URL for messages: scheme, host and path only. Query strings and user info are left out
 * because they may hold a resolved secret (an API key templated into the URL).
 */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export async function httpRequest(request: HttpRequest): Promise<HttpResponse> {
  let url = typeof request.url === "string" ? new URL(request.url) : request.url;
  let method = request.method.toUpperCase();
  let body = request.body;
  const headers: Record<string, string> = { ...request.headers };
  for (let redirects = 0; ; redirects++) {
    const response = await exchange(request, method, url, headers, body);
    const location = response.headers.location;
    if (!isRedirect(response.status) || location === undefined) return response;
    if (redirects >= MAX_REDIRECTS) {
      throw new HttpTransportError(
        `${method} ${describeUrl(url)}: stopped after ${MAX_REDIRECTS} redirects`,
        false,
      );
    }
    const next = new URL(location, url);
    if (next.host !== url.host) {
      // Go's client does not forward credentials to another host.
      for (const name of Object.keys(headers)) {
        if (/^(authorization|www-authenticate|cookie|cookie2)$/i.test(name)) delete headers[name];
      }
    }
    if (response.status === 301 || response.status === 302 || response.status === 303) {
      if (method !== "GET" && method !== "HEAD") method = "GET";
      body = undefined;
      for (const name of Object.keys(headers)) {
        if (/^content-(type|length)$/i.test(name)) delete headers[name];
      }
    }
    url = next;
  }
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function exchange(
  request: HttpRequest,
  method: string,
  url: URL,
  headers: Record<string, string>,
  body: string | Buffer | undefined,
): Promise<HttpResponse> {
  // Built only when a message needs it (this runs for every measurement).
  const where = () => `${method} ${describeUrl(url)}`;
  const remaining = request.deadline - Date.now();
  if (remaining <= 0) {
    return Promise.reject(
      new HttpTransportError(`${where()}: deadline passed before sending`, true),
    );
  }
  const isHttps = url.protocol === "https:";
  if (!isHttps && url.protocol !== "http:") {
    return Promise.reject(
      new HttpTransportError(
        `${where()}: unsupported protocol scheme "${url.protocol.replace(":", "")}"`,
        false,
      ),
    );
  }
  const outgoing: Record<string, string> = { ...headers };
  if (!Object.keys(outgoing).some((name) => name.toLowerCase() === "user-agent")) {
    outgoing["User-Agent"] = USER_AGENT;
  }
  if (body !== undefined) outgoing["Content-Length"] = String(Buffer.byteLength(body));
  const maxBody = request.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const agent = isHttps ? (request.insecure ? agents.httpsInsecure : agents.https) : agents.http;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, response?: HttpResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else if (response) resolve(response);
    };
    const req = (isHttps ? https : http).request(url, { method, headers: outgoing, agent });
    const timer = setTimeout(() => {
      finish(
        new HttpTransportError(
          `${where()}: request timed out after ${formatDurationMs(request.timeoutMs ?? remaining)}`,
          true,
        ),
      );
      req.destroy();
    }, remaining);
    req.on("error", (error: NodeJS.ErrnoException) => {
      finish(new HttpTransportError(`${where()}: ${error.message}`, false));
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBody) {
          finish(
            new HttpTransportError(`${where()}: response body larger than ${maxBody} bytes`, false),
          );
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on("error", (error) =>
        finish(new HttpTransportError(`${where()}: ${error.message}`, false)),
      );
      res.on("end", () =>
        finish(undefined, {
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          url,
        }),
      );
    });
    req.end(body);
  });
}

/** `Authorization: Basic ...` for a username and password (RFC 7617). */
export function basicAuthHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}

/** Time kept between a measurement's end and the controller's call deadline, for the reply. */
export const CALL_DEADLINE_MARGIN_MS = 250;

/**
 * The deadline of a measurement: its configured timeout, but never past the gRPC call's own
 * deadline (less a margin), so the plugin answers an Error measurement that says what timed
 * out rather than the controller seeing the call expire.
 */
export function measurementDeadline(
  timeoutMs: number,
  callDeadline: Date | undefined,
  nowMs: number = Date.now(),
): { deadline: number; timeoutMs: number } {
  const configured = nowMs + timeoutMs;
  if (callDeadline === undefined) return { deadline: configured, timeoutMs };
  const capped = Math.min(configured, callDeadline.getTime() - CALL_DEADLINE_MARGIN_MS);
  return { deadline: capped, timeoutMs: Math.max(0, capped - nowMs) };
}
