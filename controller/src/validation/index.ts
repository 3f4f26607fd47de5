export { type LintResult, lintObject } from "./lint.js";
export * from "./messages.js";
export { ingressBackendServices } from "./references.js";
export { validateRollout, validateRolloutAll } from "./rollout.js";
export { SUPPORTED_WORKLOAD_KINDS, templateIsEmpty } from "./rollout-spec.js";
export { selectorIsEmpty, selectorMatches } from "./selector.js";
export { metadataFieldPathResolves } from "./steps.js";
export {
  type FieldErrorType,
  formatFieldError,
  formatValue,
  invalidSpecMessage,
  type ValidationContext,
  type ValidationError,
} from "./types.js";
