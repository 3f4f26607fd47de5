import { type Logger, pino } from "pino";

export type { Logger };

/**
 * The plugin process's logger: pino JSON on stdout with the stable `plugin` key
 * (CONVENTIONS.md, Errors and logs). SLUICE_LOG_LEVEL overrides the level (default info).
 */
export function createPluginLogger(
  pluginName: string,
  env: NodeJS.ProcessEnv = process.env,
): Logger {
  return pino({ base: { plugin: pluginName }, level: env.SLUICE_LOG_LEVEL ?? "info" });
}
