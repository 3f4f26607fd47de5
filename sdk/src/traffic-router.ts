// serveTrafficRouter: runs a traffic-router implementation as a plugin process. The SDK
// decodes the request's JSON, validates the configuration block, derives capabilities from
// the methods the implementation has, and turns every exception into an error reply.
import {
  Capability,
  type DomainError,
  type HeaderRoute,
  type InitResponse,
  type MirrorRoute,
  PluginKind,
  type RemoveManagedRoutesRequest,
  type RemoveManagedRoutesResponse,
  type SetHeaderRouteRequest,
  type SetHeaderRouteResponse,
  type SetMirrorRouteRequest,
  type SetMirrorRouteResponse,
  type SetWeightRequest,
  type SetWeightResponse,
  TrafficRouterService,
  type UpdateHashRequest,
  type UpdateHashResponse,
  type VerifyWeightRequest,
  type VerifyWeightResponse,
  type WeightDestination,
  WeightVerification,
} from "@sluice/proto";
import { answerInit, anyObjectConfig, type CallContext, dispatch } from "./dispatch.js";
import { domainError } from "./errors.js";
import { createPluginLogger, type Logger } from "./logger.js";
import type { JsonObject } from "./request.js";
import {
  type PluginServerHandle,
  type ServeOptions,
  startPluginServer,
  unaryHandler,
} from "./server.js";

export const TRAFFIC_ROUTER_SERVICE = "rollouts.plugin.v1.TrafficRouter";

/** The parts every router request shares, already decoded. */
export interface RouterCall<C> {
  /** The Rollout as sent by the controller (checked to be a JSON object, nothing more). */
  rollout: JsonObject;
  /** The plugin's configuration block, as returned by `parseConfig`. */
  config: C;
}

export interface WeightCall<C> extends RouterCall<C> {
  desiredWeight: number;
  additionalDestinations: WeightDestination[];
}

export interface HashCall<C> extends RouterCall<C> {
  canaryHash: string;
  stableHash: string;
  additionalDestinations: WeightDestination[];
}

export interface HeaderRouteCall<C> extends RouterCall<C> {
  /** `route.match` empty means: delete the route named `route.name`. */
  route: HeaderRoute;
}

export interface MirrorRouteCall<C> extends RouterCall<C> {
  /** `route.match` empty means: delete the route named `route.name`. */
  route: MirrorRoute;
}

type Result<T> = Promise<T> | T;

/** What a traffic router implements. Only `setWeight` is required. */
export interface TrafficRouterPlugin<C = JsonObject> {
  /** Registered name, for example `example/memory-router`. */
  name: string;
  version: string;
  /**
   * Validates the configuration block (already parsed from JSON) and returns it typed. Throw
   * to answer an error reply. Default: any JSON object, unchecked.
   */
  parseConfig?: (raw: unknown) => C;
  /** Capabilities beyond those implied by the optional methods present (see common.proto). */
  capabilities?: readonly Capability[];
  /** Runs on every Init call (once per controller connection); throw to report failure. */
  init?(context: CallContext): Result<void>;
  setWeight(call: WeightCall<C>, context: CallContext): Result<void>;
  /** Absent: answers NOT_IMPLEMENTED, which never blocks a rollout. */
  verifyWeight?(call: WeightCall<C>, context: CallContext): Result<WeightVerification>;
  /** Absent: success without doing anything (routers that do not select pods by hash). */
  updateHash?(call: HashCall<C>, context: CallContext): Result<void>;
  /** Absent: a non-retryable error saying header routes are not supported. */
  setHeaderRoute?(call: HeaderRouteCall<C>, context: CallContext): Result<void>;
  /** Absent: a non-retryable error saying mirror routes are not supported. */
  setMirrorRoute?(call: MirrorRouteCall<C>, context: CallContext): Result<void>;
  /** Absent: success without doing anything. */
  removeManagedRoutes?(call: RouterCall<C>, context: CallContext): Result<void>;
}

/** The capabilities Init reports for `impl`. */
export function trafficRouterCapabilities<C>(impl: TrafficRouterPlugin<C>): Capability[] {
  const found = new Set<Capability>(impl.capabilities ?? []);
  if (impl.verifyWeight !== undefined) found.add(Capability.VERIFY_WEIGHT);
  if (impl.setHeaderRoute !== undefined) found.add(Capability.HEADER_ROUTE);
  if (impl.setMirrorRoute !== undefined) found.add(Capability.MIRROR_ROUTE);
  return [...found].sort((a, b) => a - b);
}

const knownVerifications = new Set<number>([
  WeightVerification.UNSPECIFIED,
  WeightVerification.NOT_IMPLEMENTED,
  WeightVerification.VERIFIED,
  WeightVerification.NOT_VERIFIED,
]);

/**
 * The gRPC handlers for `impl`, without a server: serveTrafficRouter uses them, and so does
 * the benchmark's in-process baseline.
 */
export function trafficRouterHandlers<C = JsonObject>(
  impl: TrafficRouterPlugin<C>,
  logger: Logger,
) {
  const validate = impl.parseConfig ?? (anyObjectConfig as (raw: unknown) => C);

  function routerCall<Res>(
    method: string,
    request: { rollout: Uint8Array; config: Uint8Array },
    deadline: Date | undefined,
    reply: (error: DomainError) => Res,
    body: (call: RouterCall<C>, context: CallContext) => Promise<Res>,
  ): Promise<Res> {
    return dispatch({
      method,
      pluginName: impl.name,
      logger,
      deadline,
      objects: [["rollout", request.rollout]],
      config: request.config,
      validate,
      reply,
      body: ([rollout], config, context) => body({ rollout: rollout ?? {}, config }, context),
    });
  }

  const unsupported = (what: string, capability: string): DomainError =>
    domainError(
      `${impl.name} does not support ${what} (it does not declare ${capability}); use a router that does, or remove the step from the Rollout`,
    );

  return {
    init: (): Promise<InitResponse> =>
      answerInit(impl, PluginKind.TRAFFIC_ROUTER, trafficRouterCapabilities(impl), logger),
    setWeight: (request: SetWeightRequest, deadline?: Date): Promise<SetWeightResponse> =>
      routerCall<SetWeightResponse>(
        "SetWeight",
        request,
        deadline,
        (error) => ({ error }),
        async (call, context) => {
          await impl.setWeight(
            {
              ...call,
              desiredWeight: request.desiredWeight,
              additionalDestinations: request.additionalDestinations,
            },
            context,
          );
          return {};
        },
      ),
    verifyWeight: (request: VerifyWeightRequest, deadline?: Date): Promise<VerifyWeightResponse> =>
      routerCall<VerifyWeightResponse>(
        "VerifyWeight",
        request,
        deadline,
        (error) => ({ verification: WeightVerification.UNSPECIFIED, error }),
        async (call, context) => {
          if (impl.verifyWeight === undefined) {
            return { verification: WeightVerification.NOT_IMPLEMENTED };
          }
          const verification = await impl.verifyWeight(
            {
              ...call,
              desiredWeight: request.desiredWeight,
              additionalDestinations: request.additionalDestinations,
            },
            context,
          );
          if (!knownVerifications.has(verification)) {
            return {
              verification: WeightVerification.UNSPECIFIED,
              error: domainError(
                `${impl.name} VerifyWeight returned ${String(verification)}, not a WeightVerification`,
              ),
            };
          }
          return { verification };
        },
      ),
    updateHash: (request: UpdateHashRequest, deadline?: Date): Promise<UpdateHashResponse> =>
      routerCall<UpdateHashResponse>(
        "UpdateHash",
        request,
        deadline,
        (error) => ({ error }),
        async (call, context) => {
          await impl.updateHash?.(
            {
              ...call,
              canaryHash: request.canaryHash,
              stableHash: request.stableHash,
              additionalDestinations: request.additionalDestinations,
            },
            context,
          );
          return {};
        },
      ),
    setHeaderRoute: (
      request: SetHeaderRouteRequest,
      deadline?: Date,
    ): Promise<SetHeaderRouteResponse> =>
      routerCall<SetHeaderRouteResponse>(
        "SetHeaderRoute",
        request,
        deadline,
        (error) => ({ error }),
        async (call, context) => {
          if (impl.setHeaderRoute === undefined) {
            return { error: unsupported("header routes", "CAPABILITY_HEADER_ROUTE") };
          }
          const route = request.route ?? { name: "", match: [] };
          if (route.name === "")
            return { error: domainError("invalid request: route.name is empty") };
          await impl.setHeaderRoute({ ...call, route }, context);
          return {};
        },
      ),
    setMirrorRoute: (
      request: SetMirrorRouteRequest,
      deadline?: Date,
    ): Promise<SetMirrorRouteResponse> =>
      routerCall<SetMirrorRouteResponse>(
        "SetMirrorRoute",
        request,
        deadline,
        (error) => ({ error }),
        async (call, context) => {
          if (impl.setMirrorRoute === undefined) {
            return { error: unsupported("mirror routes", "CAPABILITY_MIRROR_ROUTE") };
          }
          const route = request.route ?? { name: "", match: [] };
          if (route.name === "")
            return { error: domainError("invalid request: route.name is empty") };
          await impl.setMirrorRoute({ ...call, route }, context);
          return {};
        },
      ),
    removeManagedRoutes: (
      request: RemoveManagedRoutesRequest,
      deadline?: Date,
    ): Promise<RemoveManagedRoutesResponse> =>
      routerCall<RemoveManagedRoutesResponse>(
        "RemoveManagedRoutes",
        request,
        deadline,
        (error) => ({ error }),
        async (call, context) => {
          await impl.removeManagedRoutes?.(call, context);
          return {};
        },
      ),
  };
}

/** Serves `impl` as a TrafficRouter plugin; see ServeOptions for the address and shutdown. */
export function serveTrafficRouter<C = JsonObject>(
  impl: TrafficRouterPlugin<C>,
  options: ServeOptions = {},
): Promise<PluginServerHandle> {
  const logger = options.logger ?? createPluginLogger(impl.name, options.env ?? process.env);
  const h = trafficRouterHandlers(impl, logger);
  return startPluginServer(
    {
      serviceName: TRAFFIC_ROUTER_SERVICE,
      definition: TrafficRouterService,
      pluginName: impl.name,
      handlers: {
        init: unaryHandler("Init", logger, () => h.init()),
        setWeight: unaryHandler("SetWeight", logger, h.setWeight),
        verifyWeight: unaryHandler("VerifyWeight", logger, h.verifyWeight),
        updateHash: unaryHandler("UpdateHash", logger, h.updateHash),
        setHeaderRoute: unaryHandler("SetHeaderRoute", logger, h.setHeaderRoute),
        setMirrorRoute: unaryHandler("SetMirrorRoute", logger, h.setMirrorRoute),
        removeManagedRoutes: unaryHandler("RemoveManagedRoutes", logger, h.removeManagedRoutes),
      },
    },
    { ...options, logger },
  );
}
