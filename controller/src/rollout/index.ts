// The Rollout planner's public surface for the controller: plan() and the Plan it returns,
// the Observed input, and helpers for the executor. spec/rollout-behavior.md is the contract.
export {
  podsNeeded,
  replicaSetCreateError,
  weightToVerify,
} from "./executor-support.js";
export { computeHash, computeStepHash } from "./hash.js";
export * from "./keys.js";
export type * from "./observed.js";
export { INVALID_SPEC_REQUEUE_SECONDS, type PlanOptions, plan, validateObserved } from "./plan.js";
export type * from "./plan-types.js";
