// Analysis: the condition language and the pure AnalysisRun evaluation.
export * from "./expr/index.js";
export * from "./run/index.js";
