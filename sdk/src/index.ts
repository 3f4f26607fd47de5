// @sluice/sdk: what a plugin author (and the controller) needs to speak the plugin contract
// in TypeScript. See sdk/README.md.
export {
  Capability,
  type DomainError,
  type HeaderRoute,
  type Measurement,
  MeasurementPhase,
  type MirrorRoute,
  PluginKind,
  type WeightDestination,
  WeightVerification,
} from "@sluice/proto";
export {
  AddressError,
  defaultSocketAddress,
  formatAddress,
  LISTEN_ENV,
  listenAddressFrom,
  type PluginAddress,
  parseAddress,
} from "./address.js";
export type { CheckResult, CheckStatus } from "./conformance/check.js";
export {
  type ConformanceOptions,
  type ConformanceReport,
  formatReport,
  type PluginKindName,
  runConformance,
} from "./conformance/run.js";
export {
  type CallOptions,
  type ClientTlsOptions,
  type ConnectOptions,
  connectMetricProvider,
  connectTrafficRouter,
  DEFAULT_CALL_TIMEOUT_MS,
  type HealthStatus,
  type MetricProviderClient,
  PluginCallError,
  type TrafficRouterClient,
} from "./connect.js";
export type { CallContext } from "./dispatch.js";
export { domainError, PluginError } from "./errors.js";
// The condition language of AnalysisTemplates (spec/analysis-and-providers.md §4), shared by
// the controller and the metric-provider plugins that decide a measurement's phase.
export {
  type CompiledCondition,
  type CompileOptions,
  type CompileOutcome,
  compileCondition,
  type EvaluationOutcome,
  type ExprErrorInfo,
  type ExprPosition,
  evaluateCondition,
  expectBool,
  formatValue,
  typeName,
} from "./expr/index.js";
export {
  type KubeConfigLike,
  KubeConnection,
  type KubeConnectionSettings,
} from "./kube-connection.js";
export {
  drainAnswer,
  type KubeHttpRequest,
  type KubeHttpResponse,
  readAnswer,
} from "./kube-transport.js";
export { createPluginLogger, type Logger } from "./logger.js";
export {
  completeMeasurement,
  type InFlightCall,
  METRIC_PROVIDER_SERVICE,
  type MeasurementResult,
  type MetricCall,
  type MetricProviderPlugin,
  metricProviderCapabilities,
  metricProviderHandlers,
  serveMetricProvider,
} from "./metric-provider.js";
export {
  ConfigError,
  isJsonObject,
  type JsonObject,
  optionalNumber,
  optionalString,
  type Parsed,
  parseConfig,
  parseJsonBytes,
  parseJsonObject,
  requireString,
  strictObject,
  stringAt,
  toJsonBytes,
} from "./request.js";
export type { PluginServerHandle, ServeOptions, ServerTlsOptions } from "./server.js";
export { SUPERVISOR_PID_ENV } from "./server.js";
export {
  type HashCall,
  type HeaderRouteCall,
  type MirrorRouteCall,
  type RouterCall,
  serveTrafficRouter,
  TRAFFIC_ROUTER_SERVICE,
  type TrafficRouterPlugin,
  trafficRouterCapabilities,
  trafficRouterHandlers,
  type WeightCall,
} from "./traffic-router.js";
