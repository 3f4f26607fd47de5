// @sluice/router-common: what the bundled traffic router plugins (plugins/nginx, plugins/smi)
// share, so each has it once. Test fixtures are under the "./testing" subpath.
export { KubeHttpClient, KubeHttpError } from "./http-client.js";
export { sameJson } from "./json.js";
export {
  apiError,
  createOrRaced,
  kubeconfigFlag,
  loadKubeConfig,
  type ObjectClient,
  objectClient,
  patchOrRaced,
  type ResourceType,
  statusOf,
  type WriteOutcome,
} from "./kube.js";
export {
  controllerUid,
  objectAt,
  ownerReference,
  type RolloutInfo,
  readRollout,
} from "./rollout.js";
