// @sluice/router-common/testing: fixtures for the router plugins' multi-process tests. Only
// test code imports this entry; it needs @sluice/devcluster, which the plugins have as a
// devDependency.
export {
  type PluginProcess,
  rolloutCrd,
  startPluginProcess,
  startTestCluster,
  type TestCluster,
  waitFor,
} from "./cluster.js";
export { type RouterConformance, runRouterConformance } from "./conformance.js";
export { type InitAnswer, type RouterExit, withServingRouter } from "./serving.js";
