export {
  adaptConditionLanguage,
  type ConditionLanguage,
  type ConditionLoader,
  lazyConditionLoader,
} from "./condition-language.js";
export {
  type ConditionEvaluator,
  type ConditionOutcome,
  type DecidedPhase,
  decidePhase,
  type MetricConditions,
  readConditions,
} from "./conditions.js";
export { ConfigError, ConfigReader, isObject, type JsonObject } from "./config.js";
export { formatDurationMs, parseGoDuration } from "./duration.js";
export {
  formatGoFloat,
  formatGoFloatList,
  goFormEncode,
  goJsonMarshal,
  goQueryEscape,
  parseGoFloat,
} from "./go-format.js";
export {
  basicAuthHeader,
  CALL_DEADLINE_MARGIN_MS,
  describeUrl,
  type HttpRequest,
  type HttpResponse,
  HttpTransportError,
  httpRequest,
  measurementDeadline,
} from "./http.js";
export { errorMessage, MeasurementError, type MeasurementOutcome } from "./measurement.js";
export {
  clearOAuth2TokenCache,
  fetchClientCredentialsToken,
  type OAuth2Config,
  readOAuth2,
} from "./oauth2.js";
export { packageVersion } from "./package-version.js";
export {
  type HttpProviderDefinition,
  httpMetricProvider,
  measurementFromOutcome,
} from "./plugin.js";
export { type PluginProcess, startPluginProcess } from "./plugin-process.js";
