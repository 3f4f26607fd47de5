// spec/analysis-and-providers.md §5.2: the `provider.datadog` block of a metric. The CRD
// defaults (apiVersion v1, interval 5m, requestTimeout 10s) are applied here too, so a metric
// that reaches the plugin without them behaves the same (spec "Open points" 4).
import { ConfigError, ConfigReader, parseGoDuration } from "@sluice/provider-common";

export const DEFAULT_INTERVAL = "5m";
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const AGGREGATORS = [
  "avg",
  "min",
  "max",
  "sum",
  "last",
  "percentile",
  "mean",
  "l2norm",
  "area",
] as const;
export type Aggregator = (typeof AGGREGATORS)[number];

export interface DatadogConfig {
  apiVersion: "v1" | "v2";
  /** Query window in whole seconds (`interval`, not the polling rate). */
  intervalSeconds: number;
  /** v1: the query. v2: `{name: query}`; a single `query` becomes `{query: <query>}`. */
  query?: string;
  queries?: Record<string, string>;
  formula?: string;
  aggregator: Aggregator;
  requestTimeoutMs: number;
  secretRef?: { name: string; namespaced: boolean };
}

// The checks and their wording follow the original, which runs them because its CRD cannot
// express "exactly one of".
export function parseDatadogConfig(block: unknown): DatadogConfig {
  const reader = ConfigReader.root(block, "provider.datadog").allowOnly([
    "apiVersion",
    "interval",
    "query",
    "queries",
    "formula",
    "aggregator",
    "requestTimeout",
    "secretRef",
  ]);
  const apiVersionText = (reader.string("apiVersion") ?? "") || "v1";
  // spec §5.2: anything but v1 is treated as v2.
  const apiVersion = apiVersionText === "v1" ? "v1" : "v2";
  const query = reader.string("query") ?? "";
  const queries = reader.stringMap("queries") ?? {};
  const queryCount = Object.keys(queries).length;
  const formula = reader.string("formula") ?? "";
  const aggregatorText = reader.string("aggregator") ?? "";

  if (query === "" && queryCount === 0) {
    throw new ConfigError(
      "Must have either a query or queries. Please review the Analysis Template.",
    );
  }
  if (query !== "" && queryCount > 0) {
    throw new ConfigError(
      "Cannot have both a query and queries. Please review the Analysis Template.",
    );
  }
  if (apiVersion === "v1" && query === "") {
    throw new ConfigError(
      "Query is empty. API Version v1 only supports using the query parameter in your Analysis Template.",
    );
  }
  if (formula !== "" && queryCount === 0) {
    throw new ConfigError(
      "Formula are only valid when queries are set. Please review the Analysis Template.",
    );
  }
  if (formula === "" && queryCount > 1) {
    throw new ConfigError("When multiple queries are provided you must include a formula.");
  }
  if (apiVersion === "v1" && aggregatorText !== "") {
    throw new ConfigError(
      "Aggregator is not supported in v1. Please review the Analysis Template.",
    );
  }
  const aggregator = AGGREGATORS.find((a) => a === (aggregatorText || "last"));
  if (!aggregator) {
    throw new ConfigError(
      `provider.datadog.aggregator must be one of ${AGGREGATORS.join(", ")}, got ${JSON.stringify(aggregatorText)}`,
    );
  }

  const requestTimeoutText = reader.string("requestTimeout") ?? "";
  let requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;
  if (requestTimeoutText !== "") {
    const parsed = parseGoDuration(requestTimeoutText);
    if (parsed instanceof Error) {
      throw new ConfigError(
        `Could not parse the request timeout: ${parsed.message}. Please review the Analysis Template.`,
      );
    }
    if (parsed <= 0) {
      throw new ConfigError(
        "Request timeout must be a positive duration (e.g. 30s). Please review the Analysis Template.",
      );
    }
    requestTimeoutMs = parsed;
  }

  const intervalText = (reader.string("interval") ?? "") || DEFAULT_INTERVAL;
  const intervalMs = parseGoDuration(intervalText);
  if (intervalMs instanceof Error) {
    throw new ConfigError(`provider.datadog.interval: ${intervalMs.message}`);
  }
  if (intervalMs <= 0) {
    throw new ConfigError(`provider.datadog.interval must be positive, got ${intervalText}`);
  }

  const config: DatadogConfig = {
    apiVersion,
    intervalSeconds: Math.trunc(intervalMs / 1000),
    aggregator,
    requestTimeoutMs,
  };
  if (apiVersion === "v1") config.query = query;
  else config.queries = query !== "" ? { query } : queries;
  if (formula !== "") config.formula = formula;

  const secretRef = reader.child("secretRef")?.allowOnly(["name", "namespaced"]);
  if (secretRef) {
    const name = secretRef.string("name") ?? "";
    const namespaced = secretRef.boolean("namespaced") ?? false;
    if (namespaced && name === "") {
      throw new ConfigError("secret name is required for namespaced credentials");
    }
    if (name !== "") config.secretRef = { name, namespaced };
  }
  return config;
}
