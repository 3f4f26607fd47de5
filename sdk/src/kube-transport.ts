// How one request reaches the API server: HTTP/2 when the server offers it (as client-go
// does), HTTP/1.1 through the keep-alive pool otherwise.
//
// Why HTTP/2: every request of a busy controller then shares one TLS connection, and the
// frames of all requests (and all watch events) that are ready in the same turn of the event
// loop leave and arrive in one write and one read. On HTTP/1.1 each request is a write and a
// read on a socket of its own; in the analysis benchmark (one status write per measurement,
// thousands a second) those syscalls and the HTTP/1.1 client's per-request objects were a
// third of the controller's CPU.
import type http from "node:http";
import http2 from "node:http2";
import { isIP } from "node:net";
import type { Readable } from "node:stream";
import tls from "node:tls";
import { STREAM_WINDOW_BYTES, widenSessionWindow } from "./http2-windows.js";

export interface KubeHttpRequest {
  method: string;
  url: URL;
  /** Header names in any case; sent lower-cased on HTTP/2. */
  headers: Record<string, string>;
  body?: Buffer;
  signal?: AbortSignal;
  /** Deadline for the whole exchange, the answer's body included. */
  timeoutMs?: number;
  /** Longest silence allowed while the answer streams (a watch). */
  idleTimeoutMs?: number;
  /** Turns a transport problem ("no answer within 30000 ms") into the caller's error type. */
  failure: (reason: string) => Error;
}

export interface KubeHttpResponse {
  statusCode: number;
  /**
   * The answer's body; errors (deadline, lost connection) surface on it as 'error'. Readers
   * should also treat 'close' before 'end' as a failure: a stream destroyed without an error
   * emits only that.
   */
  body: Readable;
}

/**
 * Follows an answer's body to its end, handing each chunk to `onChunk` (or dropping it). A
 * transport failure on the way (a reset socket; an HTTP/2 stream that closes before its end
 * without an error of its own) rejects with `failure(reason)`, or with the error itself when
 * it is one `failure` made.
 */
function followAnswer(
  body: Readable,
  failure: (reason: string) => Error,
  isOwn: (error: Error) => boolean,
  onChunk: ((chunk: Buffer) => void) | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let ended = false;
    body.once("end", () => {
      ended = true;
      resolve();
    });
    body.once("error", (error: Error) =>
      reject(
        isOwn(error)
          ? error
          : failure(`the connection closed in the middle of the answer: ${error.message}`),
      ),
    );
    // Checked before building the error: an Error's stack costs more than a small request.
    body.once("close", () => {
      if (!ended) reject(failure("the connection closed in the middle of the answer"));
    });
    if (onChunk === undefined) body.resume();
    else body.on("data", onChunk);
  });
}

/** Reads an answer's body to its end (failures as in followAnswer). */
export async function readAnswer(
  body: Readable,
  failure: (reason: string) => Error,
  isOwn: (error: Error) => boolean = () => false,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await followAnswer(body, failure, isOwn, (chunk) => chunks.push(chunk));
  return Buffer.concat(chunks);
}

/** Reads an answer's body to its end without keeping it (failures as in followAnswer). */
export function drainAnswer(
  body: Readable,
  failure: (reason: string) => Error,
  isOwn: (error: Error) => boolean = () => false,
): Promise<void> {
  return followAnswer(body, failure, isOwn, undefined);
}

/** An AbortSignal's error passes through unchanged; anything else is named by `failure`. */
function settleError(request: KubeHttpRequest, own: Error | undefined, error: Error): Error {
  if (error === own || error.name === "AbortError") return error;
  return request.failure(error.message);
}

/** One request on the HTTP/1.1 keep-alive pool. */
export function sendHttp1(
  request: KubeHttpRequest,
  agent: http.Agent,
  requestFn: typeof http.request,
): Promise<KubeHttpResponse> {
  return new Promise((resolve, reject) => {
    const req = requestFn(request.url, {
      method: request.method,
      headers: request.headers,
      agent,
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    });
    let own: Error | undefined;
    const fail = (reason: string): void => {
      own = request.failure(reason);
      req.destroy(own);
    };
    if (request.timeoutMs !== undefined) {
      const timeoutMs = request.timeoutMs;
      const deadline = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
      req.once("close", () => clearTimeout(deadline));
    }
    if (request.idleTimeoutMs !== undefined) {
      const idle = request.idleTimeoutMs;
      req.setTimeout(idle, () => fail(`stream idle for ${idle} ms`));
    }
    req.once("response", (res: http.IncomingMessage) =>
      resolve({ statusCode: res.statusCode ?? 0, body: res }),
    );
    req.once("error", (error: Error) => reject(settleError(request, own, error)));
    req.end(request.body);
  });
}

/** One request as a stream of an HTTP/2 session kept by `sessions`. */
export function sendHttp2(
  request: KubeHttpRequest,
  session: http2.ClientHttp2Session,
  sessions: Http2Sessions,
): Promise<KubeHttpResponse> {
  return new Promise((resolve, reject) => {
    const headers: http2.OutgoingHttpHeaders = {
      ":method": request.method,
      ":path": `${request.url.pathname}${request.url.search}`,
    };
    for (const [name, value] of Object.entries(request.headers)) {
      headers[name.toLowerCase()] = value;
    }
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request(headers, {
        endStream: request.body === undefined,
        ...(request.signal === undefined ? {} : { signal: request.signal }),
      });
    } catch (error) {
      // The session closed between the lookup and this call: the next request opens another.
      sessions.forget(session);
      reject(request.failure(error instanceof Error ? error.message : String(error)));
      return;
    }
    sessions.track(session, stream);
    let own: Error | undefined;
    const fail = (reason: string): void => {
      own = request.failure(reason);
      stream.destroy(own);
    };
    let deadline: NodeJS.Timeout | undefined;
    if (request.timeoutMs !== undefined) {
      const timeoutMs = request.timeoutMs;
      deadline = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    }
    let answered = false;
    stream.once("close", () => {
      clearTimeout(deadline);
      // A stream cut with its session (connection reset, GOAWAY) closes without an 'error'.
      if (!answered) {
        reject(request.failure(`the connection closed before an answer (code ${stream.rstCode})`));
      }
    });
    if (request.idleTimeoutMs !== undefined) {
      const idle = request.idleTimeoutMs;
      stream.setTimeout(idle, () => fail(`stream idle for ${idle} ms`));
    }
    stream.once("response", (answer) => {
      answered = true;
      // A stream cut with its connection still ends its body ('end'), with the reset code
      // set: a half answer must not pass for a whole one. This listener comes before the
      // reader's, so the reader sees the error first.
      stream.once("end", () => {
        const code = stream.rstCode;
        if (
          code !== undefined &&
          code !== http2.constants.NGHTTP2_NO_ERROR &&
          stream.listenerCount("error") > 0
        ) {
          stream.emit(
            "error",
            request.failure(`the connection closed in the middle of the answer (code ${code})`),
          );
        }
      });
      resolve({ statusCode: Number(answer[":status"] ?? 0), body: stream });
    });
    stream.once("error", (error: Error) => reject(settleError(request, own, error)));
    if (request.body !== undefined) stream.end(request.body);
  });
}

/** TLS settings for the session's connection (the same the HTTP/1.1 pool uses). */
export interface Http2TlsSettings {
  secureContext: tls.SecureContext;
  rejectUnauthorized?: boolean;
  servername?: string;
}

/** A connection whose TCP and TLS handshakes take longer fails its requests (they retry). */
const CONNECT_TIMEOUT_MS = 10_000;
/** After this long without an answer to a PING the connection is judged dead. */
const PING_TIMEOUT_MS = 15_000;
/** How often a connection in use is checked with a PING (client-go checks after 30 s idle). */
const PING_INTERVAL_MS = 30_000;
/**
 * Stream ids are 31-bit and odd on a client, so a session carries at most 2^30 streams: one
 * this far along is replaced. (Counted here: `session.state` is built anew on every read.)
 */
const STREAMS_PER_SESSION = 2 ** 29;

/**
 * The one HTTP/2 session to an https API server, opened on first use and again after it
 * closes, fails, is told GOAWAY, or stops answering PINGs. `get` answers undefined when the
 * server chose HTTP/1.1 during the TLS handshake (ALPN); that choice is remembered. While no
 * stream is open the session does not keep the process alive.
 */
export class Http2Sessions {
  private session: http2.ClientHttp2Session | undefined;
  private opening: Promise<http2.ClientHttp2Session | undefined> | undefined;
  private speaksHttp1Only = false;
  private readonly open = new Map<http2.ClientHttp2Session, number>();
  /** Streams started on the current session. */
  private started = 0;
  private pinger: NodeJS.Timeout | undefined;

  constructor(
    private readonly server: URL,
    private readonly settings: () => Promise<Http2TlsSettings>,
  ) {}

  /** The session to use now, if one is open and has stream ids left (no waiting). */
  live(): http2.ClientHttp2Session | undefined {
    const current = this.session;
    if (current === undefined || current.closed || current.destroyed) return undefined;
    if (this.started < STREAMS_PER_SESSION) return current;
    // Let its streams finish; new requests go to a fresh session.
    this.forget(current);
    current.close();
    return undefined;
  }

  /** Whether this server answered HTTP/1.1 during the TLS handshake (no HTTP/2 then). */
  get http1Only(): boolean {
    return this.speaksHttp1Only;
  }

  /** The live session, or a new one; undefined when this server speaks HTTP/1.1 only. */
  async get(): Promise<http2.ClientHttp2Session | undefined> {
    if (this.speaksHttp1Only) return undefined;
    const current = this.live();
    if (current !== undefined) return current;
    this.opening ??= this.connect().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  /** Counts `stream` as open on `session` (holding the process while any is). */
  track(session: http2.ClientHttp2Session, stream: http2.ClientHttp2Stream): void {
    if (session === this.session) this.started++;
    const count = (this.open.get(session) ?? 0) + 1;
    this.open.set(session, count);
    if (count === 1) session.ref();
    stream.once("close", () => {
      const left = (this.open.get(session) ?? 1) - 1;
      if (left > 0) {
        this.open.set(session, left);
        return;
      }
      this.open.delete(session);
      if (!session.destroyed) session.unref();
    });
  }

  /** Stops handing out `session` (it failed or is being replaced). */
  forget(session: http2.ClientHttp2Session): void {
    if (this.session !== session) return;
    this.session = undefined;
    if (this.pinger !== undefined) clearInterval(this.pinger);
    this.pinger = undefined;
  }

  close(): void {
    const session = this.session;
    if (session !== undefined) {
      this.forget(session);
      session.destroy();
    }
  }

  private async connect(): Promise<http2.ClientHttp2Session | undefined> {
    const settings = await this.settings();
    const host = this.server.hostname.replace(/^\[|\]$/g, "");
    const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const connection = tls.connect({
        host,
        port: Number(this.server.port || 443),
        secureContext: settings.secureContext,
        ALPNProtocols: ["h2", "http/1.1"],
        ...(settings.rejectUnauthorized === undefined
          ? {}
          : { rejectUnauthorized: settings.rejectUnauthorized }),
        // SNI carries host names only (RFC 6066).
        ...(settings.servername !== undefined
          ? { servername: settings.servername }
          : isIP(host) === 0
            ? { servername: host }
            : {}),
      });
      // Requests wait for this handshake before their own deadline starts: bound it.
      const timer = setTimeout(() => {
        connection.destroy(
          new Error(`no TLS connection to ${this.server.host} within ${CONNECT_TIMEOUT_MS} ms`),
        );
      }, CONNECT_TIMEOUT_MS);
      connection.once("secureConnect", () => {
        clearTimeout(timer);
        connection.off("error", reject);
        resolve(connection);
      });
      connection.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    if (socket.alpnProtocol !== "h2") {
      this.speaksHttp1Only = true;
      socket.destroy();
      return undefined;
    }
    const session = http2.connect(this.server.origin, {
      createConnection: () => socket,
      settings: { enablePush: false, initialWindowSize: STREAM_WINDOW_BYTES },
    });
    session.once("connect", () => widenSessionWindow(session));
    // Open streams fail with the cause; the next request opens a new session.
    session.on("error", () => this.forget(session));
    session.once("goaway", () => this.forget(session));
    session.once("close", () => {
      this.forget(session);
      this.open.delete(session);
    });
    session.unref();
    this.session = session;
    this.started = 0;
    this.pinger = setInterval(() => this.ping(session), PING_INTERVAL_MS);
    this.pinger.unref();
    return session;
  }

  private ping(session: http2.ClientHttp2Session): void {
    if (session.destroyed || session.closed) return;
    const timer = setTimeout(() => {
      // No PONG: the peer or the path is gone. Failing the streams now lets watches restart.
      this.forget(session);
      session.destroy(new Error(`no answer to an HTTP/2 PING within ${PING_TIMEOUT_MS} ms`));
    }, PING_TIMEOUT_MS);
    timer.unref();
    const sent = session.ping((error) => {
      clearTimeout(timer);
      if (error !== null) this.forget(session);
    });
    if (!sent) clearTimeout(timer);
  }
}
