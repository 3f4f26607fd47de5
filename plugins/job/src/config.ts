// The Job provider's configuration block (spec §5.4): `metadata {labels, annotations}`, copied
// to the Job, and `spec`, a batch/v1 JobSpec passed to the API server as written (the server
// validates it, and its 422 message becomes the measurement's message).
import { ConfigError, isJsonObject, type JsonObject, strictObject } from "@sluice/sdk";

export interface JobConfig {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: JsonObject;
}

const WHAT = "provider.job";

function stringMap(raw: unknown, what: string): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!isJsonObject(raw)) throw new ConfigError(`${what} must be a map of strings`);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== "string") {
      throw new ConfigError(`${what}.${key} must be a string, got ${JSON.stringify(value)}`);
    }
    out[key] = value;
  }
  return out;
}

export function parseJobConfig(raw: unknown): JobConfig {
  const config = strictObject(raw, ["metadata", "spec"], WHAT);
  const metadata =
    config.metadata === undefined || config.metadata === null
      ? {}
      : strictObject(config.metadata, ["labels", "annotations"], `${WHAT}.metadata`);
  if (!isJsonObject(config.spec)) {
    throw new ConfigError(
      `${WHAT}.spec must be a batch/v1 JobSpec object (with template.spec.containers); it is ${config.spec === undefined ? "missing" : "not an object"}`,
    );
  }
  return {
    labels: stringMap(metadata.labels, `${WHAT}.metadata.labels`),
    annotations: stringMap(metadata.annotations, `${WHAT}.metadata.annotations`),
    spec: config.spec,
  };
}
