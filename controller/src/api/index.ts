// Resource definitions: one schema per kind, from which types, validation, defaults and the
// CRDs (scripts/gen-crds.ts) are derived.
export * from "./analysis.js";
export * from "./common.js";
export * from "./crd-schema.js";
export * from "./crd-validate.js";
export * from "./crds.js";
export * from "./crds-client-node.js";
export * from "./defaults.js";
export * from "./duration.js";
export * from "./experiment.js";
export * from "./labels.js";
export * from "./parse.js";
export * from "./rollout.js";
export * from "./rollout-steps.js";
export * from "./schema-helpers.js";
export * from "./traffic-routing.js";
