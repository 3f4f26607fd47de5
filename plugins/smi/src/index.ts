// @sluice/plugin-smi as a library: the router and its pure parts. The executable is main.ts.

export { kubeconfigFlag, loadKubeConfig, type ObjectClient } from "@sluice/router-common";
export {
  API_VERSION_ENV,
  apiVersionFrom,
  DEFAULT_SMI_API_VERSION,
  parseSmiConfig,
  SMI_API_VERSIONS,
  type SmiApiVersion,
  type SmiConfig,
} from "./config.js";
export {
  createSmiRouter,
  SMI_PLUGIN_NAME,
  SMI_PLUGIN_VERSION,
  trafficSplitType,
} from "./router.js";
export { desiredSpec, SMI_GROUP, trafficSplitName } from "./traffic-split.js";
