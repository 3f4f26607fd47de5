export {
  AGGREGATORS,
  type Aggregator,
  type DatadogConfig,
  DEFAULT_INTERVAL,
  DEFAULT_REQUEST_TIMEOUT_MS,
  parseDatadogConfig,
} from "./config.js";
export {
  CredentialsError,
  controllerNamespace,
  type DatadogCredentials,
  DEFAULT_SECRET_NAME,
  findCredentials,
  type SecretReader,
} from "./credentials.js";
export { kubeSecretReader } from "./kube-secrets.js";
export { createDatadogPlugin, PLUGIN_NAME } from "./plugin.js";
export { type DatadogMeasureOptions, measureDatadog } from "./provider.js";
export { retryDelayMs } from "./rate-limit.js";
export { buildDatadogRequest, type DatadogRequest, DEFAULT_ADDRESS } from "./request.js";
export { MAX_GROUPS_IN_METADATA, parseV1Response, parseV2Response } from "./response.js";
