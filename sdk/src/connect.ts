// Typed clients for the controller (and the conformance kit): every call carries a deadline,
// a domain error comes back in the reply, and a transport or contract failure rejects with a
// PluginCallError. The channel reconnects by itself, with a short backoff so that a plugin
// that restarts is usable again within about a second.
import { status } from "@grpc/grpc-js";
import {
  Capability,
  encodeCallFrame,
  encodeGrpcFrame,
  GarbageCollectRequest,
  type GarbageCollectResponse,
  GetMetadataRequest,
  type GetMetadataResponse,
  InitRequest,
  type InitResponse,
  type MessageEncoder,
  MetricProviderService,
  RemoveManagedRoutesRequest,
  type RemoveManagedRoutesResponse,
  ResumeRequest,
  type ResumeResponse,
  RunRequest,
  type RunResponse,
  SetHeaderRouteRequest,
  type SetHeaderRouteResponse,
  SetMirrorRouteRequest,
  type SetMirrorRouteResponse,
  SetWeightRequest,
  type SetWeightResponse,
  TerminateRequest,
  type TerminateResponse,
  TrafficRouterService,
  UpdateHashRequest,
  type UpdateHashResponse,
  VerifyWeightRequest,
  type VerifyWeightResponse,
} from "@sluice/proto";
import { service as healthService } from "grpc-health-check";
import { formatAddress, parseAddress } from "./address.js";
import { installAsyncBindFix } from "./async-bind-fix.js";
import { CallStream, CallsUnsupported } from "./call-stream.js";
import { frameMessage } from "./grpc-wire.js";
import { GrpcCode, UnaryCallError, UnaryChannel } from "./unary-channel.js";

export interface ClientTlsOptions {
  /** PEM CA bundle that signed the plugin's certificate; default: the system roots. */
  ca?: string | Buffer;
  /** PEM client certificate and key, for plugins that require mutual TLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Expected name in the plugin's certificate when it differs from the host dialled. */
  serverName?: string;
}

export interface ConnectOptions {
  /** TLS for a TCP address. Ignored for unix:// addresses. */
  tls?: ClientTlsOptions;
  /** Default deadline of every call, in milliseconds. Default 5000. */
  timeoutMs?: number;
  /**
   * Send calls after Init as messages on one Calls stream when the plugin declares
   * CAPABILITY_CALLS_STREAM (much less CPU per call at both ends; see call-stream.ts).
   * Default true; false makes every call unary. "required" (the conformance kit) fails a call
   * with UNIMPLEMENTED when a plugin that declares the capability does not serve the stream,
   * where the default would quietly go back to unary calls.
   */
  callsStream?: boolean | "required";
}

export interface CallOptions {
  /** Deadline of this call in milliseconds, overriding ConnectOptions.timeoutMs. */
  timeoutMs?: number;
}

/** What the standard health service says; `UNKNOWN` also covers a missing answer field. */
export type HealthStatus = "SERVING" | "NOT_SERVING" | "UNKNOWN" | "SERVICE_UNKNOWN";

/** A call that did not get a reply: the plugin is down, too slow, or broke the contract. */
export class PluginCallError extends Error {
  override name = "PluginCallError";
  constructor(
    readonly method: string,
    readonly address: string,
    /** The gRPC status code (for example 4 = DEADLINE_EXCEEDED, 14 = UNAVAILABLE). */
    readonly code: number,
    readonly details: string,
  ) {
    super(`${method} on plugin ${address} failed: ${status[code] ?? `code ${code}`}: ${details}`);
  }
}

export const DEFAULT_CALL_TIMEOUT_MS = 5_000;

/** A method's path and reply decoder (requests are encoded by their RequestType). */
interface UnaryMethod<Res> {
  path: string;
  responseDeserialize: (value: Buffer) => Res;
}

interface Connection {
  readonly address: string;
  /** `request` is encoded by its generated `type`. */
  unary<Req, Res>(
    method: UnaryMethod<Res>,
    type: MessageEncoder<Req>,
    request: Req,
    options?: CallOptions,
  ): Promise<Res>;
  health(service: string, options?: CallOptions): Promise<HealthStatus>;
  /** Init (always unary); from its reply on, calls use the Calls stream if it is offered. */
  init(
    method: UnaryMethod<InitResponse>,
    request: InitRequest,
    options?: CallOptions,
  ): Promise<InitResponse>;
  close(): void;
}

/** `servicePath`: the service's path prefix, for example `/rollouts.plugin.v1.MetricProvider/`. */
function openConnection(
  addressText: string,
  options: ConnectOptions,
  servicePath: string,
): Connection {
  const parsed = parseAddress(addressText);
  const address = formatAddress(parsed);
  // Every call opens an HTTP/2 stream; on Node 20 each one is kept alive until a full GC
  // unless this is in place (see async-bind-fix.ts).
  installAsyncBindFix();
  const channel = new UnaryChannel(parsed, options.tls === undefined ? {} : { tls: options.tls });
  const defaultTimeout = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const methodName = (path: string): string => path.slice(path.lastIndexOf("/") + 1);
  /** Set while the plugin offers its Calls stream (and the caller allows it). */
  let calls: CallStream | undefined;

  function offered(capabilities: readonly Capability[]): void {
    if (options.callsStream === false || !capabilities.includes(Capability.CALLS_STREAM)) {
      calls = undefined;
      return;
    }
    calls ??= new CallStream(channel, `${servicePath}Calls`);
  }

  function unary<Req, Res>(
    method: UnaryMethod<Res>,
    type: MessageEncoder<Req>,
    request: Req,
    call?: CallOptions,
  ): Promise<Res> {
    const deadline = Date.now() + (call?.timeoutMs ?? defaultTimeout);
    const stream = calls;
    if (stream === undefined) return send(method, encodeGrpcFrame(type, request), deadline);
    const name = methodName(method.path);
    return decodeReply(
      method,
      stream
        .call((id, timeoutMs) => encodeCallFrame(id, name, timeoutMs, type, request), deadline)
        .catch((error: unknown) => {
          if (!(error instanceof CallsUnsupported)) throw error;
          if (options.callsStream === "required")
            throw new UnaryCallError(
              GrpcCode.UNIMPLEMENTED,
              `the plugin declares CAPABILITY_CALLS_STREAM but ${error.message.replace(/^the plugin /, "")}`,
            );
          // A plugin that declared the stream but does not serve it: unary from now on.
          if (calls === stream) calls = undefined;
          return channel.callFramed(method.path, encodeGrpcFrame(type, request), deadline);
        }),
    );
  }

  function send<Res>(method: UnaryMethod<Res>, framed: Buffer, deadline: number): Promise<Res> {
    return decodeReply(method, channel.callFramed(method.path, framed, deadline));
  }

  async function decodeReply<Res>(method: UnaryMethod<Res>, call: Promise<Buffer>): Promise<Res> {
    let reply: Buffer;
    try {
      reply = await call;
    } catch (error) {
      if (error instanceof UnaryCallError)
        throw new PluginCallError(methodName(method.path), address, error.code, error.details);
      throw error;
    }
    try {
      return method.responseDeserialize(reply);
    } catch (error) {
      throw new PluginCallError(
        methodName(method.path),
        address,
        GrpcCode.INTERNAL,
        `the reply is not a valid message: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  const check = healthService.Check;
  async function health(service: string, call?: CallOptions): Promise<HealthStatus> {
    if (check === undefined) throw new Error("grpc-health-check has no Check method definition");
    const serialize = check.requestSerialize as (value: { service: string }) => Buffer;
    const reply = await send<unknown>(
      {
        path: check.path,
        responseDeserialize: check.responseDeserialize as (value: Buffer) => unknown,
      },
      frameMessage(serialize({ service })),
      Date.now() + (call?.timeoutMs ?? defaultTimeout),
    );
    const answer =
      typeof reply === "object" && reply !== null && "status" in reply ? reply.status : undefined;
    return answer === "SERVING" || answer === "NOT_SERVING" || answer === "SERVICE_UNKNOWN"
      ? answer
      : "UNKNOWN";
  }

  /** Init, always unary; its reply says whether later calls may use the Calls stream. */
  async function init(method: UnaryMethod<InitResponse>, request: InitRequest, call?: CallOptions) {
    const reply = await send(
      method,
      encodeGrpcFrame(InitRequest, request),
      Date.now() + (call?.timeoutMs ?? defaultTimeout),
    );
    offered(reply.error === undefined ? reply.capabilities : []);
    return reply;
  }

  return { address, unary, init, health, close: () => channel.close() };
}

type Input<T> = Partial<T>;

/** A connected traffic-router plugin. Domain errors are in each reply's `error`. */
export interface TrafficRouterClient {
  readonly address: string;
  init(request?: Input<InitRequest>, options?: CallOptions): Promise<InitResponse>;
  setWeight(request: Input<SetWeightRequest>, options?: CallOptions): Promise<SetWeightResponse>;
  verifyWeight(
    request: Input<VerifyWeightRequest>,
    options?: CallOptions,
  ): Promise<VerifyWeightResponse>;
  updateHash(request: Input<UpdateHashRequest>, options?: CallOptions): Promise<UpdateHashResponse>;
  setHeaderRoute(
    request: Input<SetHeaderRouteRequest>,
    options?: CallOptions,
  ): Promise<SetHeaderRouteResponse>;
  setMirrorRoute(
    request: Input<SetMirrorRouteRequest>,
    options?: CallOptions,
  ): Promise<SetMirrorRouteResponse>;
  removeManagedRoutes(
    request: Input<RemoveManagedRoutesRequest>,
    options?: CallOptions,
  ): Promise<RemoveManagedRoutesResponse>;
  /** The standard health service's answer for the whole server (service ""). */
  health(options?: CallOptions): Promise<HealthStatus>;
  close(): void;
}

/** A connected metric-provider plugin. Domain errors are in each reply's `error`. */
export interface MetricProviderClient {
  readonly address: string;
  init(request?: Input<InitRequest>, options?: CallOptions): Promise<InitResponse>;
  run(request: Input<RunRequest>, options?: CallOptions): Promise<RunResponse>;
  resume(request: Input<ResumeRequest>, options?: CallOptions): Promise<ResumeResponse>;
  terminate(request: Input<TerminateRequest>, options?: CallOptions): Promise<TerminateResponse>;
  garbageCollect(
    request: Input<GarbageCollectRequest>,
    options?: CallOptions,
  ): Promise<GarbageCollectResponse>;
  getMetadata(
    request: Input<GetMetadataRequest>,
    options?: CallOptions,
  ): Promise<GetMetadataResponse>;
  health(options?: CallOptions): Promise<HealthStatus>;
  close(): void;
}

/** Connects to a traffic-router plugin at `unix:///path.sock` or `HOST:PORT`. Does not dial yet. */
export function connectTrafficRouter(
  address: string,
  options: ConnectOptions = {},
): TrafficRouterClient {
  const s = TrafficRouterService;
  const c = openConnection(address, options, s.init.path.replace(/Init$/, ""));
  return {
    address: c.address,
    init: (r = {}, o) => c.init(s.init, InitRequest.fromPartial(r), o),
    setWeight: (r, o) => c.unary(s.setWeight, SetWeightRequest, SetWeightRequest.fromPartial(r), o),
    verifyWeight: (r, o) =>
      c.unary(s.verifyWeight, VerifyWeightRequest, VerifyWeightRequest.fromPartial(r), o),
    updateHash: (r, o) =>
      c.unary(s.updateHash, UpdateHashRequest, UpdateHashRequest.fromPartial(r), o),
    setHeaderRoute: (r, o) =>
      c.unary(s.setHeaderRoute, SetHeaderRouteRequest, SetHeaderRouteRequest.fromPartial(r), o),
    setMirrorRoute: (r, o) =>
      c.unary(s.setMirrorRoute, SetMirrorRouteRequest, SetMirrorRouteRequest.fromPartial(r), o),
    removeManagedRoutes: (r, o) =>
      c.unary(
        s.removeManagedRoutes,
        RemoveManagedRoutesRequest,
        RemoveManagedRoutesRequest.fromPartial(r),
        o,
      ),
    health: (o) => c.health("", o),
    close: c.close,
  };
}

/** Connects to a metric-provider plugin at `unix:///path.sock` or `HOST:PORT`. Does not dial yet. */
export function connectMetricProvider(
  address: string,
  options: ConnectOptions = {},
): MetricProviderClient {
  const s = MetricProviderService;
  const c = openConnection(address, options, s.init.path.replace(/Init$/, ""));
  return {
    address: c.address,
    init: (r = {}, o) => c.init(s.init, InitRequest.fromPartial(r), o),
    run: (r, o) => c.unary(s.run, RunRequest, RunRequest.fromPartial(r), o),
    resume: (r, o) => c.unary(s.resume, ResumeRequest, ResumeRequest.fromPartial(r), o),
    terminate: (r, o) => c.unary(s.terminate, TerminateRequest, TerminateRequest.fromPartial(r), o),
    garbageCollect: (r, o) =>
      c.unary(s.garbageCollect, GarbageCollectRequest, GarbageCollectRequest.fromPartial(r), o),
    getMetadata: (r, o) =>
      c.unary(s.getMetadata, GetMetadataRequest, GetMetadataRequest.fromPartial(r), o),
    health: (o) => c.health("", o),
    close: c.close,
  };
}
