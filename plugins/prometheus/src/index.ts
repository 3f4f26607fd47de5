export {
  ADDRESS_ENV,
  DEFAULT_TIMEOUT_SECONDS,
  type PrometheusConfig,
  parsePrometheusConfig,
} from "./config.js";
export { createPrometheusPlugin, PLUGIN_NAME, RESOLVED_QUERY_KEY } from "./plugin.js";
export { measurePrometheus, requestHeaders } from "./provider.js";
export {
  buildQueryCall,
  endpointUrl,
  formatPrometheusTime,
  getFallbackUrl,
  parseQueryResponse,
  postBody,
} from "./query.js";
export { evaluateTimeExpression, TimeExpressionError } from "./time-expression.js";
