// The Job provider as a MetricProvider plugin (spec §5.4, §6).
import { readFileSync } from "node:fs";
import { isJsonObject, type MetricProviderPlugin } from "@sluice/sdk";
import { type JobConfig, parseJobConfig } from "./config.js";
import { createJobProvider, type JobProviderOptions } from "./provider.js";

export const PLUGIN_NAME = "sluice/job";

function packageVersion(): string {
  try {
    const manifest: unknown = JSON.parse(
      readFileSync(new URL("../package.json", import.meta.url), "utf8"),
    );
    if (isJsonObject(manifest) && typeof manifest.version === "string") return manifest.version;
  } catch {
    // A copied dist/ without its package.json still serves; the version is only informative.
  }
  return "0.0.0";
}

export function createJobPlugin(options: JobProviderOptions): MetricProviderPlugin<JobConfig> {
  const provider = createJobProvider(options);
  return {
    name: PLUGIN_NAME,
    version: packageVersion(),
    parseConfig: parseJobConfig,
    run: (call) => provider.run(call),
    resume: (call, context) => provider.resume(call.measurement, context.logger),
    terminate: (call) => provider.terminate(call.measurement),
    garbageCollect: (call) => provider.garbageCollect(call, call.limit),
  };
}
