// The plugin contract's generated TypeScript (package rollouts.plugin.v1). Regenerate with
// `npm run proto` after changing any file under rollouts/plugin/v1/. The generated files
// each repeat a few helper types (DeepPartial, MessageFns...), so the public names are listed
// here one by one instead of star re-exports that would clash.
export {
  CallsRequest,
  CallsResponse,
  Capability,
  capabilityFromJSON,
  capabilityToJSON,
  DomainError,
  InitRequest,
  InitResponse,
  PluginKind,
  pluginKindFromJSON,
  pluginKindToJSON,
  protobufPackage,
} from "./gen/rollouts/plugin/v1/common.js";
export {
  GarbageCollectRequest,
  GarbageCollectResponse,
  GetMetadataRequest,
  GetMetadataResponse,
  Measurement,
  MeasurementPhase,
  MetricProviderClient,
  type MetricProviderServer,
  MetricProviderService,
  measurementPhaseFromJSON,
  measurementPhaseToJSON,
  ResumeRequest,
  ResumeResponse,
  RunRequest,
  RunResponse,
  TerminateRequest,
  TerminateResponse,
} from "./gen/rollouts/plugin/v1/metric_provider.js";
export {
  HeaderMatch,
  HeaderRoute,
  MirrorMatch,
  MirrorRoute,
  RemoveManagedRoutesRequest,
  RemoveManagedRoutesResponse,
  SetHeaderRouteRequest,
  SetHeaderRouteResponse,
  SetMirrorRouteRequest,
  SetMirrorRouteResponse,
  SetWeightRequest,
  SetWeightResponse,
  StringMatch,
  TrafficRouterClient,
  type TrafficRouterServer,
  TrafficRouterService,
  UpdateHashRequest,
  UpdateHashResponse,
  VerifyWeightRequest,
  VerifyWeightResponse,
  WeightDestination,
  WeightVerification,
  weightVerificationFromJSON,
  weightVerificationToJSON,
} from "./gen/rollouts/plugin/v1/traffic_router.js";

/** Where the .proto files live inside this package, for authors generating other languages. */
export const protoRoot = new URL("../", import.meta.url).pathname;
export { encodeCallFrame, encodeGrpcFrame, type MessageEncoder } from "./framing.js";
