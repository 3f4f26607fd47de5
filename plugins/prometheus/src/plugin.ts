// The Prometheus provider as a MetricProvider plugin (spec §5.1, §6).
import { type ConditionLoader, httpMetricProvider, packageVersion } from "@sluice/provider-common";
import type { MetricProviderPlugin } from "@sluice/sdk";
import { type PrometheusConfig, parsePrometheusConfig } from "./config.js";
import { measurePrometheus } from "./provider.js";

export const PLUGIN_NAME = "sluice/prometheus";
/** Metadata key of the query, as the original names it. */
export const RESOLVED_QUERY_KEY = "ResolvedPrometheusQuery";

export function createPrometheusPlugin(options: {
  conditions: ConditionLoader;
  env: Readonly<Record<string, string | undefined>>;
}): MetricProviderPlugin<PrometheusConfig> {
  return httpMetricProvider<PrometheusConfig>({
    name: PLUGIN_NAME,
    version: packageVersion(new URL("../package.json", import.meta.url)),
    parseConfig: (raw) => parsePrometheusConfig(raw, options.env),
    measure: ({ config }, context) => measurePrometheus(config, { callDeadline: context.deadline }),
    getMetadata: (config) => ({ [RESOLVED_QUERY_KEY]: config.query }),
    conditions: options.conditions,
  });
}
