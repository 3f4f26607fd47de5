// Public entry of @sluice/cli, for embedding the command line (e.g. the dashboard or tests).
export { type CliIo, runCli } from "./cli.js";
export { lintText } from "./commands/lint.js";
export { type RolloutInfo, rolloutInfo, rolloutStatus, type TreeNode } from "./info.js";
export { renderRollout } from "./render.js";
