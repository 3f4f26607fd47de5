// The Web provider as a MetricProvider plugin (spec §5.3, §6).
import { type ConditionLoader, httpMetricProvider, packageVersion } from "@sluice/provider-common";
import type { MetricProviderPlugin } from "@sluice/sdk";
import { parseWebConfig, type WebConfig } from "./config.js";
import { measureWeb } from "./provider.js";

export const PLUGIN_NAME = "sluice/web";

export function createWebPlugin(options: {
  conditions: ConditionLoader;
}): MetricProviderPlugin<WebConfig> {
  return httpMetricProvider<WebConfig>({
    name: PLUGIN_NAME,
    version: packageVersion(new URL("../package.json", import.meta.url)),
    parseConfig: parseWebConfig,
    measure: ({ config }, context) => measureWeb(config, { callDeadline: context.deadline }),
    conditions: options.conditions,
  });
}
