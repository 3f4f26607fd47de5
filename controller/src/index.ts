// Public entry of @sluice/controller: resource definitions, validation, user actions, the
// planner, analysis, and the runtime (API client, informers...) for tools built on them.
export * from "./actions/index.js";
export * as analysis from "./analysis/index.js";
export * from "./api/index.js";
export { type ControllerOptions, type RunningController, startController } from "./controller.js";
export * as planner from "./rollout/index.js";
export * as runtime from "./runtime/index.js";
export * from "./validation/index.js";
