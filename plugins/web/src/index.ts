export {
  DEFAULT_JSON_PATH,
  DEFAULT_TIMEOUT_SECONDS,
  parseWebConfig,
  type WebConfig,
  type WebMethod,
} from "./config.js";
export { type CompiledJsonPath, compileJsonPath, findResults, JsonPathError } from "./jsonpath.js";
export { createWebPlugin, PLUGIN_NAME } from "./plugin.js";
export { buildWebRequest, measureWeb, type WebRequest } from "./provider.js";
export { parseWebResponse } from "./response.js";
