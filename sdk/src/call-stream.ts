// The client side of a service's optional Calls method: the plugin's unary methods called as
// messages on one bidirectional HTTP/2 stream (CallsRequest / CallsResponse in common.proto).
//
// A unary call opens an HTTP/2 stream of its own: request headers, message, half-close, then
// response headers, message and trailers, each a frame that both processes build, compress
// (HPACK), parse and account for. Measured on this project's bench (bench/plugin-rpc
// stream-floor), that per-stream work is ~100 µs of CPU per call across the two processes,
// against ~7 µs for one more message on a stream already open, and at the thousands of Run
// calls per second of a large analysis it is the largest single cost of a measurement.
//
// What a caller sees is what a unary call gives (unary-channel.ts): the reply message's
// bytes, or a UnaryCallError with the call's own status code; a deadline per call, enforced
// here (the plugin is told to stop with a cancel message); UNAVAILABLE for every call in
// flight when the stream or the connection breaks, after which the next call opens a new
// stream (dialling again if needed). When the plugin does not serve Calls at all (an answer
// of UNIMPLEMENTED for the stream itself), calls reject with CallsUnsupported so that the
// caller can make them unary instead. A connection that the plugin asks to go away (GOAWAY,
// while it drains) takes no new calls; its stream is half-closed once its last call is
// answered, so a plugin that waits for its streams to end can stop.
import { type ClientHttp2Session, type ClientHttp2Stream, constants } from "node:http2";
import { CallsRequest, CallsResponse, encodeGrpcFrame } from "@sluice/proto";
import { FramingError, MessageReader } from "./grpc-wire.js";
import {
  codeForHttpStatus,
  decodeMessage,
  GrpcCode,
  grpcRequestHeaders,
  headerText,
  UnaryCallError,
  type UnaryChannel,
} from "./unary-channel.js";

const { HTTP2_HEADER_STATUS, NGHTTP2_CANCEL } = constants;

/** The plugin has no Calls method (it answered the stream UNIMPLEMENTED): call it unary. */
export class CallsUnsupported extends Error {
  override name = "CallsUnsupported";
}

interface Pending {
  resolve(reply: Buffer): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** One open Calls stream and the calls waiting for an answer on it. */
interface OpenStream {
  session: ClientHttp2Session;
  stream: ClientHttp2Stream;
  pending: Map<number, Pending>;
  /** Takes no new calls (its connection is going away); half-closed once `pending` is empty. */
  retired: boolean;
  /** The plugin answered something on it (headers or a message). */
  heard: boolean;
}

const MAX_ID = 0xffff_ffff;

/** Calls on one plugin connection's Calls stream (`path`, e.g. /rollouts.plugin.v1.MetricProvider/Calls). */
export class CallStream {
  private current: OpenStream | undefined;
  private nextId = 1;
  /** Why calls go unary from now on, once the plugin turned out not to serve Calls. */
  private unsupported: string | undefined;

  constructor(
    private readonly channel: UnaryChannel,
    private readonly path: string,
    private readonly maxReplyBytes = 4 * 1024 * 1024,
  ) {}

  /**
   * Sends one call; `encode(id, timeoutMs)` builds its framed CallsRequest (encodeCallFrame).
   * Resolves with the reply message's bytes; rejects with a UnaryCallError by `deadline`
   * (milliseconds since the epoch) at the latest, or with CallsUnsupported.
   */
  call(encode: (id: number, timeoutMs: number) => Buffer, deadline: number): Promise<Buffer> {
    if (this.unsupported !== undefined)
      return Promise.reject(new CallsUnsupported(this.unsupported));
    const open = this.current;
    if (open !== undefined && this.usable(open)) return this.send(open, encode, deadline);
    return this.channel.connection(deadline).then((session) => {
      let stream = this.current;
      if (stream === undefined || !this.usable(stream)) stream = this.open(session);
      return this.send(stream, encode, deadline);
    });
  }

  /** Calls waiting for an answer (for tests and metrics). */
  get inFlight(): number {
    return this.current?.pending.size ?? 0;
  }

  private usable(open: OpenStream): boolean {
    if (open.retired) return false;
    if (open.session.closed || open.session.destroyed) {
      this.retire(open);
      return false;
    }
    return !open.stream.closed && !open.stream.destroyed && open.stream.writable;
  }

  private retire(open: OpenStream): void {
    open.retired = true;
    if (this.current === open) this.current = undefined;
    this.endIfIdle(open);
  }

  private endIfIdle(open: OpenStream): void {
    if (open.retired && open.pending.size === 0 && open.stream.writable) open.stream.end();
  }

  private open(session: ClientHttp2Session): OpenStream {
    if (this.current !== undefined) this.retire(this.current);
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(grpcRequestHeaders(this.path));
    } catch (error) {
      // The connection went away between the check and the request.
      this.channel.forget(session);
      throw new UnaryCallError(
        GrpcCode.UNAVAILABLE,
        `connection lost: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const open: OpenStream = { session, stream, pending: new Map(), retired: false, heard: false };
    this.current = open;
    const reader = new MessageReader(this.maxReplyBytes + 1024);
    let httpStatus = 0;
    let grpcStatus: string | undefined;
    let grpcMessage = "";
    let streamError: Error | undefined;
    let broken: UnaryCallError | undefined;
    const readStatus = (headers: Record<string, string | string[] | undefined>): void => {
      const value = headerText(headers["grpc-status"]);
      if (value === undefined) return;
      grpcStatus = value;
      grpcMessage = decodeMessage(headers["grpc-message"]);
    };
    stream.on("response", (headers) => {
      open.heard = true;
      httpStatus = Number(headers[HTTP2_HEADER_STATUS] ?? 0);
      readStatus(headers);
    });
    stream.on("data", (chunk: Buffer) => {
      open.heard = true;
      if (broken !== undefined) return;
      let messages: Buffer[];
      try {
        messages = reader.push(chunk);
      } catch (error) {
        broken = new UnaryCallError(
          error instanceof FramingError ? error.code : GrpcCode.INTERNAL,
          `the Calls stream broke: ${error instanceof Error ? error.message : String(error)}`,
        );
        stream.close(NGHTTP2_CANCEL);
        return;
      }
      for (const message of messages) {
        if (!this.answer(open, message)) {
          broken = new UnaryCallError(
            GrpcCode.INTERNAL,
            "the Calls stream broke: an answer is not a CallsResponse",
          );
          stream.close(NGHTTP2_CANCEL);
          return;
        }
      }
    });
    stream.on("trailers", readStatus);
    // The plugin ended the stream (it is draining, or it failed the stream): close our half
    // too, so that the HTTP/2 stream, and with it the plugin's connection, can close.
    stream.once("end", () => {
      this.retire(open);
      if (stream.writable) stream.end();
    });
    stream.on("error", (error: Error) => {
      streamError = error;
    });
    stream.on("close", () => {
      if (this.current === open) this.current = undefined;
      if (open.pending.size === 0) return;
      const code = grpcStatus === undefined ? undefined : Number(grpcStatus);
      let error: Error;
      if (broken !== undefined) error = broken;
      else if (
        code === GrpcCode.UNIMPLEMENTED ||
        (code === undefined && codeForHttpStatus(httpStatus) === GrpcCode.UNIMPLEMENTED)
      ) {
        this.unsupported = `the plugin does not serve Calls: ${grpcMessage || `HTTP status ${httpStatus}`}`;
        error = new CallsUnsupported(this.unsupported);
      } else if (code !== undefined && code !== GrpcCode.OK)
        error = new UnaryCallError(Number.isInteger(code) ? code : GrpcCode.UNKNOWN, grpcMessage);
      else if (this.channel.isClosed)
        error = new UnaryCallError(GrpcCode.CANCELLED, "the client was closed");
      else
        error = new UnaryCallError(
          GrpcCode.UNAVAILABLE,
          `the Calls stream ended before answering${streamError === undefined ? "" : `: ${streamError.message}`}`,
        );
      this.failAll(open, error);
    });
    return open;
  }

  private send(
    open: OpenStream,
    encode: (id: number, timeoutMs: number) => Buffer,
    deadline: number,
  ): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const id = this.takeId(open);
      const remaining = Math.max(1, Math.ceil(deadline - Date.now()));
      let frame: Buffer;
      try {
        frame = encode(id, remaining);
      } catch (error) {
        reject(error);
        return;
      }
      const timer = setTimeout(() => {
        if (open.pending.get(id) !== entry) return;
        open.pending.delete(id);
        this.channel.release(open.session);
        reject(new UnaryCallError(GrpcCode.DEADLINE_EXCEEDED, "deadline exceeded"));
        if (!open.heard) {
          // Not even response headers by a call's deadline: a server that leaves unknown
          // streaming methods unanswered until the client half-closes (grpc-js does). Unary
          // from now on; the calls still waiting here are sent again that way.
          this.unsupported = "the plugin answered nothing on its Calls stream";
          this.retire(open);
          this.failAll(open, new CallsUnsupported(this.unsupported));
          open.stream.close(NGHTTP2_CANCEL);
          return;
        }
        // The plugin may stop working on it; an answer that still comes is dropped.
        if (open.stream.writable)
          open.stream.write(
            encodeGrpcFrame(CallsRequest, CallsRequest.fromPartial({ id, cancel: true })),
          );
        this.endIfIdle(open);
      }, remaining);
      const entry: Pending = { resolve, reject, timer };
      open.pending.set(id, entry);
      this.channel.hold(open.session);
      open.stream.write(frame);
    });
  }

  /** Settles the call `message` answers; false when it is not a CallsResponse. */
  private answer(open: OpenStream, message: Buffer): boolean {
    let reply: CallsResponse;
    try {
      reply = CallsResponse.decode(message);
    } catch {
      return false;
    }
    const pending = open.pending.get(reply.id);
    // No such call: it was answered DEADLINE_EXCEEDED already.
    if (pending === undefined) return true;
    open.pending.delete(reply.id);
    clearTimeout(pending.timer);
    this.channel.release(open.session);
    if (reply.code === GrpcCode.OK && reply.reply.byteLength > this.maxReplyBytes)
      pending.reject(
        new UnaryCallError(
          GrpcCode.RESOURCE_EXHAUSTED,
          `reply larger than ${this.maxReplyBytes} bytes`,
        ),
      );
    else if (reply.code === GrpcCode.OK)
      pending.resolve(
        Buffer.from(reply.reply.buffer, reply.reply.byteOffset, reply.reply.byteLength),
      );
    else pending.reject(new UnaryCallError(reply.code, reply.message));
    this.endIfIdle(open);
    return true;
  }

  private failAll(open: OpenStream, error: Error): void {
    const calls = [...open.pending.values()];
    open.pending.clear();
    for (const call of calls) {
      clearTimeout(call.timer);
      this.channel.release(open.session);
      call.reject(error);
    }
  }

  /** The next id not in flight on `open` (ids wrap after 2^32 - 1). */
  private takeId(open: OpenStream): number {
    let id = this.nextId;
    while (open.pending.has(id)) id = id === MAX_ID ? 1 : id + 1;
    this.nextId = id === MAX_ID ? 1 : id + 1;
    return id;
  }
}
