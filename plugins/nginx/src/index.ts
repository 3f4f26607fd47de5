// @sluice/plugin-nginx as a library: the router implementation and its pure parts, for tests
// and for embedding. The executable is main.ts.

export { kubeconfigFlag, loadKubeConfig, type ObjectClient } from "@sluice/router-common";
export {
  canaryIngressName,
  canaryPatch,
  canarySpec,
  weightAnnotations,
} from "./canary-ingress.js";
export { DEFAULT_ANNOTATION_PREFIX, type NginxConfig, parseNginxConfig } from "./config.js";
export { HEADER_ROUTE_ANNOTATION, headerAnnotations } from "./header-route.js";
export { createNginxRouter, INGRESS, NGINX_PLUGIN_NAME, NGINX_PLUGIN_VERSION } from "./router.js";
