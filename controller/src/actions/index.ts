export * from "./executor.js";
export * from "./kube-client.js";
export * from "./plan.js";
export * from "./promote.js";
export * from "./set-image.js";
export * from "./simple.js";
export * from "./types.js";
export * from "./undo.js";
