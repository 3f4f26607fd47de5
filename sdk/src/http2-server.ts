// The server side of a plugin connection: gRPC written directly on node:http2.
//
// A plugin answers unary calls from the controller (plus the health service's server-streaming
// Watch, and the services' bidirectional Calls stream, served here for every service: it
// carries the unary methods' calls as messages, see serveCalls), so the server needs, per call: route the path, read one length-prefixed message,
// run the method, answer headers + one message + `grpc-status` trailers (or a "trailers-only"
// error). grpc-js's general server spent about 200 µs of CPU per call on a SetWeight over a
// Unix socket and, through its allocations, garbage-collected every ~200 calls, which set the
// tail of the call latency (bench/plugin-rpc). Handlers keep grpc-js's shape
// (`(call, callback)` for unary, `(call)` with write/end for server streaming), so
// `addService` takes the generated service definitions and grpc-health-check's
// HealthImplementation unchanged.
//
// Behaviour a gRPC client can rely on: unknown methods answer UNIMPLEMENTED, a request that
// is not gRPC (content type, method) gets the HTTP status gRPC specifies, compressed requests
// (never offered: no grpc-accept-encoding is advertised) answer UNIMPLEMENTED, requests above
// 4 MiB RESOURCE_EXHAUSTED, undecodable ones INTERNAL; a handler's error carries its code and
// percent-encoded message. `grpc-timeout` becomes the call's deadline. Draining stops new
// connections, sends GOAWAY so clients dial again elsewhere, lets calls in flight finish and
// cancels what is left after the timeout.
import { EventEmitter } from "node:events";
import {
  constants,
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type IncomingHttpHeaders,
  type SecureServerOptions,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from "node:http2";
import { CallsRequest, CallsResponse, encodeGrpcFrame } from "@sluice/proto";
import { FramingError, frameMessage, MessageReader } from "./grpc-wire.js";
import { STREAM_WINDOW_BYTES, widenSessionWindow } from "./http2-windows.js";

const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

const { HTTP2_HEADER_STATUS, HTTP2_HEADER_CONTENT_TYPE, HTTP2_HEADER_METHOD, HTTP2_HEADER_PATH } =
  constants;

/** The parts of a generated method definition (ts-proto / proto-loader) the server uses. */
export interface MethodDefinition {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestDeserialize: (bytes: Buffer) => unknown;
  /** Takes the method's own reply type (checked by the handler that produced it). */
  responseSerialize: (value: never) => Buffer | Uint8Array;
  originalName?: string;
}

export type ServiceDefinitionLike = Record<string, MethodDefinition>;

/** What a handler may answer as an error: a gRPC code and its details. */
export interface HandlerError {
  code?: number;
  details?: string;
  message?: string;
}

/** The unary call a handler receives (the subset of grpc-js's ServerUnaryCall used here). */
export interface UnaryCall {
  request: unknown;
  /** The client's deadline, or Infinity when it sent none. */
  getDeadline(): Date | number;
  readonly cancelled: boolean;
}

type UnaryHandler = (
  call: UnaryCall,
  callback: (error: HandlerError | null, reply?: unknown) => void,
) => void;

/** A server-streaming call: write replies, then end; emits "cancelled" if the client goes. */
export interface StreamingCall extends EventEmitter {
  request: unknown;
  readonly cancelled: boolean;
  write(reply: unknown): boolean;
  end(): void;
}

type StreamingHandler = (call: StreamingCall) => void;

interface Route {
  method: MethodDefinition;
  handler: UnaryHandler | StreamingHandler;
  /** For a service's Calls method: the path prefix of the methods its stream carries. */
  callsPrefix?: string;
}

const EMPTY = new Uint8Array(0);

function grpcTimeoutMs(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  const match = text === undefined ? null : /^(\d{1,8})([HMSmun])$/.exec(text);
  if (match === null) return undefined;
  const amount = Number(match[1]);
  const unitMs = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 1e-3, n: 1e-6 }[
    match[2] as "H" | "M" | "S" | "m" | "u" | "n"
  ];
  return amount * unitMs;
}

function encodeReply(method: MethodDefinition, reply: unknown): Uint8Array {
  return (method.responseSerialize as (value: unknown) => Uint8Array)(reply);
}

/** Answers a status with no message: the status goes in the (only) headers frame. */
function trailersOnly(stream: ServerHttp2Stream, code: number, details: string): void {
  if (stream.destroyed || stream.closed) return;
  const status = { "grpc-status": String(code), "grpc-message": encodeURIComponent(details) };
  if (stream.headersSent) {
    // Headers already went out (a streaming call, which asked for trailers): status there.
    stream.once("wantTrailers", () => stream.sendTrailers(status));
    stream.end();
    return;
  }
  stream.respond(
    { [HTTP2_HEADER_STATUS]: 200, [HTTP2_HEADER_CONTENT_TYPE]: "application/grpc", ...status },
    { endStream: true },
  );
}

/** An HTTP/2 server that speaks unary and server-streaming gRPC to its handlers. */
export class PluginHttp2Server {
  private readonly routes = new Map<string, Route>();
  private readonly sessions = new Set<ServerHttp2Session>();
  private readonly streaming = new Set<ServerHttp2Stream>();
  /** Open Calls streams, each with what stops it taking new calls (drain). */
  private readonly callStreams = new Map<ServerHttp2Stream, () => void>();
  readonly server: Http2Server | Http2SecureServer;

  constructor(tls?: SecureServerOptions) {
    const settings = { initialWindowSize: STREAM_WINDOW_BYTES };
    this.server =
      tls === undefined ? createServer({ settings }) : createSecureServer({ ...tls, settings });
    this.server.on("session", (session: ServerHttp2Session) => {
      this.sessions.add(session);
      // Requests carry whole AnalysisRuns; hundreds arrive at once (see http2-windows.ts).
      widenSessionWindow(session);
      session.on("error", () => undefined);
      session.once("close", () => this.sessions.delete(session));
    });
    this.server.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) =>
      this.handle(stream, headers),
    );
  }

  /** Registers every method of `definition`, looked up in `implementation` by name. */
  addService(
    definition: ServiceDefinitionLike,
    implementation: Record<string, (...args: never[]) => unknown>,
  ): void {
    for (const [name, method] of Object.entries(definition)) {
      const handler =
        implementation[name] ??
        (method.originalName === undefined ? undefined : implementation[method.originalName]);
      if (
        handler === undefined &&
        method.requestStream &&
        method.responseStream &&
        method.path.endsWith("/Calls")
      ) {
        // Served here for every service: it carries the service's own unary methods.
        const callsPrefix = method.path.slice(0, method.path.length - "Calls".length);
        this.routes.set(method.path, { method, handler: () => undefined, callsPrefix });
        continue;
      }
      if (handler === undefined) continue;
      if (method.requestStream)
        throw new Error(`${method.path}: client-streaming methods are not supported`);
      this.routes.set(method.path, { method, handler: handler as Route["handler"] });
    }
  }

  /**
   * Stops accepting connections, asks clients to go away (GOAWAY) and resolves once every call
   * in flight has finished, or after `timeoutMs`, when what is left is cancelled.
   */
  drain(timeoutMs: number, onTimeout: () => void): Promise<void> {
    return new Promise((resolve) => {
      this.server.close();
      // Watch streams never end by themselves.
      for (const stream of this.streaming) trailersOnly(stream, 14, "the plugin is stopping");
      // Calls streams answer what they started, refuse new calls, then end.
      for (const stopTaking of this.callStreams.values()) stopTaking();
      const sessions = [...this.sessions];
      if (sessions.length === 0) {
        resolve();
        return;
      }
      let open = sessions.length;
      const timer = setTimeout(() => {
        onTimeout();
        for (const session of sessions) session.destroy();
      }, timeoutMs);
      for (const session of sessions) {
        const closed = (): void => {
          if (--open > 0) return;
          clearTimeout(timer);
          resolve();
        };
        if (session.closed || session.destroyed) closed();
        else session.close(closed);
      }
    });
  }

  private handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    stream.on("error", () => undefined);
    if (headers[HTTP2_HEADER_METHOD] !== "POST") {
      stream.respond({ [HTTP2_HEADER_STATUS]: 405 }, { endStream: true });
      return;
    }
    const contentType = headers[HTTP2_HEADER_CONTENT_TYPE];
    if (typeof contentType !== "string" || !contentType.startsWith("application/grpc")) {
      stream.respond({ [HTTP2_HEADER_STATUS]: 415 }, { endStream: true });
      return;
    }
    const path = String(headers[HTTP2_HEADER_PATH] ?? "");
    const route = this.routes.get(path);
    if (route === undefined) {
      stream.resume();
      trailersOnly(stream, 12, `unknown method ${path}`);
      return;
    }
    if (route.callsPrefix !== undefined) {
      this.serveCalls(stream, route.callsPrefix);
      return;
    }
    const timeoutMs = grpcTimeoutMs(headers["grpc-timeout"]);
    const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
    const chunks: Buffer[] = [];
    let received = 0;
    let refused = false;
    stream.on("data", (chunk: Buffer) => {
      if (refused) return;
      received += chunk.length;
      if (received > MAX_REQUEST_BYTES + 5) {
        refused = true;
        trailersOnly(stream, 8, `request larger than ${MAX_REQUEST_BYTES} bytes`);
        return;
      }
      chunks.push(chunk);
    });
    stream.once("end", () => {
      if (refused) return;
      const data = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received);
      if (data.length < 5 || data.length !== 5 + data.readUInt32BE(1)) {
        trailersOnly(stream, 13, "the request is not exactly one gRPC message");
        return;
      }
      if ((data[0] ?? 0) & 1) {
        trailersOnly(stream, 12, "compressed requests are not supported");
        return;
      }
      let request: unknown;
      try {
        request = route.method.requestDeserialize(data.subarray(5));
      } catch (error) {
        trailersOnly(stream, 13, `could not decode the request: ${String(error)}`);
        return;
      }
      if (route.method.responseStream) this.serveStreaming(stream, route, request);
      else this.serveUnary(stream, route, request, deadline);
    });
  }

  private serveUnary(
    stream: ServerHttp2Stream,
    route: Route,
    request: unknown,
    deadline: number,
  ): void {
    const call: UnaryCall = {
      request,
      getDeadline: () =>
        Number.isFinite(deadline) ? new Date(deadline) : Number.POSITIVE_INFINITY,
      get cancelled() {
        return stream.destroyed || stream.closed;
      },
    };
    let answered = false;
    (route.handler as UnaryHandler)(call, (error, reply) => {
      if (answered || stream.destroyed || stream.closed) return;
      answered = true;
      if (error !== null && error !== undefined) {
        trailersOnly(stream, error.code ?? 2, error.details ?? error.message ?? "");
        return;
      }
      let payload: Buffer;
      try {
        payload = frameMessage(encodeReply(route.method, reply));
      } catch (failure) {
        trailersOnly(stream, 13, `could not encode the reply: ${String(failure)}`);
        return;
      }
      stream.respond(
        { [HTTP2_HEADER_STATUS]: 200, [HTTP2_HEADER_CONTENT_TYPE]: "application/grpc" },
        { waitForTrailers: true },
      );
      stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(payload);
    });
  }

  /**
   * A Calls stream: each CallsRequest runs the unary handler of the method it names, with its
   * own deadline, and is answered by a CallsResponse with its id as soon as it finishes (in
   * any order). The stream ends, status OK, once the client has half-closed (or the server is
   * draining) and nothing is left in flight.
   */
  private serveCalls(stream: ServerHttp2Stream, prefix: string): void {
    // A call's envelope (id, method name, deadline) adds a few bytes to the request's limit.
    const reader = new MessageReader(MAX_REQUEST_BYTES + 1024);
    /** Calls in flight by id; `true` once the client cancelled it. */
    const inFlight = new Map<number, { cancelled: boolean }>();
    let halfClosed = false;
    let draining = false;
    let ended = false;
    const open = (): boolean => !ended && !stream.destroyed && !stream.closed;
    const end = (code: number, details: string): void => {
      if (!open()) return;
      ended = true;
      trailersOnly(stream, code, details);
    };
    const endIfDone = (): void => {
      if ((halfClosed || draining) && inFlight.size === 0)
        end(halfClosed ? 0 : 14, halfClosed ? "" : "the plugin is stopping");
    };
    const answer = (id: number, code: number, message: string, reply: Uint8Array): void => {
      if (open()) stream.write(encodeGrpcFrame(CallsResponse, { id, code, message, reply }));
    };
    const start = (bytes: Buffer): void => {
      let call: CallsRequest;
      try {
        call = CallsRequest.decode(bytes);
      } catch (error) {
        end(13, `could not decode a CallsRequest: ${String(error)}`);
        return;
      }
      const id = call.id;
      if (call.cancel) {
        const state = inFlight.get(id);
        if (state !== undefined) state.cancelled = true;
        return;
      }
      if (inFlight.has(id)) {
        end(13, `call id ${id} is already in flight on this stream`);
        return;
      }
      if (draining) {
        answer(id, 14, "the plugin is stopping", EMPTY);
        return;
      }
      const route = this.routes.get(prefix + call.method);
      if (
        route === undefined ||
        route.callsPrefix !== undefined ||
        route.method.requestStream ||
        route.method.responseStream
      ) {
        answer(id, 12, `unknown unary method ${prefix}${call.method}`, EMPTY);
        return;
      }
      let request: unknown;
      try {
        request = route.method.requestDeserialize(call.request as Buffer);
      } catch (error) {
        answer(id, 13, `could not decode the request: ${String(error)}`, EMPTY);
        return;
      }
      const deadline =
        call.timeoutMs === 0 ? Number.POSITIVE_INFINITY : Date.now() + call.timeoutMs;
      const state = { cancelled: false };
      inFlight.set(id, state);
      const unary: UnaryCall = {
        request,
        getDeadline: () =>
          Number.isFinite(deadline) ? new Date(deadline) : Number.POSITIVE_INFINITY,
        get cancelled() {
          return state.cancelled || stream.destroyed || stream.closed;
        },
      };
      (route.handler as UnaryHandler)(unary, (error, reply) => {
        if (inFlight.get(id) !== state) return;
        inFlight.delete(id);
        if (error !== null && error !== undefined) {
          answer(id, error.code ?? 2, error.details ?? error.message ?? "", EMPTY);
        } else {
          let bytes: Uint8Array | undefined;
          try {
            bytes = encodeReply(route.method, reply);
          } catch (failure) {
            answer(id, 13, `could not encode the reply: ${String(failure)}`, EMPTY);
          }
          if (bytes !== undefined) answer(id, 0, "", bytes);
        }
        endIfDone();
      });
    };
    this.callStreams.set(stream, () => {
      draining = true;
      endIfDone();
    });
    stream.respond(
      { [HTTP2_HEADER_STATUS]: 200, [HTTP2_HEADER_CONTENT_TYPE]: "application/grpc" },
      { waitForTrailers: true },
    );
    stream.on("data", (chunk: Buffer) => {
      if (!open()) return;
      let messages: Buffer[];
      try {
        messages = reader.push(chunk);
      } catch (error) {
        end(error instanceof FramingError ? error.code : 13, String(error));
        return;
      }
      for (const message of messages) start(message);
    });
    stream.once("end", () => {
      if (reader.buffered > 0) {
        end(13, "the stream ended inside a message");
        return;
      }
      halfClosed = true;
      endIfDone();
    });
    stream.once("close", () => {
      this.callStreams.delete(stream);
      for (const state of inFlight.values()) state.cancelled = true;
    });
  }

  private serveStreaming(stream: ServerHttp2Stream, route: Route, request: unknown): void {
    this.streaming.add(stream);
    const call = Object.assign(new EventEmitter(), {
      request,
      get cancelled() {
        return stream.destroyed || stream.closed;
      },
      write: (reply: unknown): boolean => {
        if (stream.destroyed || stream.closed) return false;
        if (!stream.headersSent)
          stream.respond(
            { [HTTP2_HEADER_STATUS]: 200, [HTTP2_HEADER_CONTENT_TYPE]: "application/grpc" },
            { waitForTrailers: true },
          );
        return stream.write(frameMessage(encodeReply(route.method, reply)));
      },
      end: (): void => {
        trailersOnly(stream, 0, "");
      },
    }) as StreamingCall;
    stream.once("close", () => {
      this.streaming.delete(stream);
      call.emit("cancelled");
    });
    (route.handler as StreamingHandler)(call);
  }
}
