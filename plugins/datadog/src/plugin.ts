// The Datadog provider as a MetricProvider plugin (spec §5.2, §6).
import {
  type ConditionLoader,
  httpMetricProvider,
  MeasurementError,
  packageVersion,
} from "@sluice/provider-common";
import type { MetricProviderPlugin } from "@sluice/sdk";
import { type DatadogConfig, parseDatadogConfig } from "./config.js";
import { CredentialsError, findCredentials, type SecretReader } from "./credentials.js";
import { measureDatadog } from "./provider.js";

export const PLUGIN_NAME = "sluice/datadog";

function runNamespace(analysisRun: Readonly<Record<string, unknown>>): string {
  const metadata = analysisRun.metadata;
  const namespace =
    metadata !== null && typeof metadata === "object"
      ? (metadata as Record<string, unknown>).namespace
      : undefined;
  return typeof namespace === "string" && namespace !== "" ? namespace : "default";
}

export function createDatadogPlugin(options: {
  conditions: ConditionLoader;
  env: Readonly<Record<string, string | undefined>>;
  /** The plugin's Kubernetes access, or why it has none. */
  secrets: { reader: SecretReader } | { unavailable: string };
}): MetricProviderPlugin<DatadogConfig> {
  return httpMetricProvider<DatadogConfig>({
    name: PLUGIN_NAME,
    version: packageVersion(new URL("../package.json", import.meta.url)),
    parseConfig: parseDatadogConfig,
    async measure({ config, analysisRun }, context) {
      let credentials: Awaited<ReturnType<typeof findCredentials>>;
      try {
        credentials = await findCredentials({
          secretRef: config.secretRef,
          runNamespace: runNamespace(analysisRun),
          env: options.env,
          secrets: "reader" in options.secrets ? options.secrets.reader : undefined,
          unavailable: "unavailable" in options.secrets ? options.secrets.unavailable : undefined,
        });
      } catch (error) {
        if (error instanceof CredentialsError) throw new MeasurementError(error.message, false);
        throw error;
      }
      if (config.apiVersion === "v1") {
        context.logger.debug("Datadog will soon deprecate their API v1; consider apiVersion v2");
      }
      return measureDatadog(config, credentials, {
        callDeadline: context.deadline,
        onRateLimited: (attempt, waitMs) =>
          context.logger.info({ attempt, waitMs }, "Datadog answered 429; waiting before retrying"),
      });
    },
    conditions: options.conditions,
  });
}
