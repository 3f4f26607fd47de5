// Analysis: the pure AnalysisRun evaluation. The condition language itself lives in
// @sluice/sdk, shared with the metric-provider plugins.
export * from "./run/index.js";
