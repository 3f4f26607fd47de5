/**
 * The controller's runtime machinery: API client, informers, work queues, leader election,
 * events, metrics, health endpoints and logging. Reconcilers are wired onto these; nothing
 * here knows what a Rollout means beyond the metric gauges' field reading.
 */
export * from "./events.js";
export * from "./http-server.js";
export * from "./informer.js";
export {
  byLabel,
  byNamespace,
  byOwnerUid,
  type IndexFunc,
  LAST_APPLIED_ANNOTATION,
  labelIndexName,
  NAMESPACE_INDEX,
  OWNER_INDEX,
  trimObject,
} from "./informer-cache.js";
export * from "./informer-factory.js";
export * from "./kube.js";
export * from "./kube-errors.js";
export * from "./kube-resources.js";
export * from "./leader-election.js";
export * from "./logger.js";
export * from "./metrics.js";
export * from "./metrics-info.js";
export * from "./rate-limiter.js";
export * from "./work-queue.js";
