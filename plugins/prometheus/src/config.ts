// spec/analysis-and-providers.md §5.1: the `provider.prometheus` block of a metric.
import {
  ConfigError,
  ConfigReader,
  type OAuth2Config,
  parseGoDuration,
  readOAuth2,
} from "@sluice/provider-common";
import { evaluateTimeExpression, TimeExpressionError } from "./time-expression.js";

export const ADDRESS_ENV = "ARGO_ROLLOUTS_PROMETHEUS_ADDRESS";
export const DEFAULT_TIMEOUT_SECONDS = 30;

export interface RangeQueryConfig {
  /** Time expressions (`now() - duration("5m")`), evaluated at each measurement. */
  start: string;
  end: string;
  stepSeconds: number;
}

export interface PrometheusConfig {
  address: URL;
  query: string;
  timeoutMs: number;
  insecure: boolean;
  headers: Array<{ key: string; value: string }>;
  basicAuth?: { username: string; password: string };
  oauth2?: OAuth2Config;
  rangeQuery?: RangeQueryConfig;
}

/**
 * Validates the block. `env` is where `ARGO_ROLLOUTS_PROMETHEUS_ADDRESS` is looked up when the
 * block has no address (the plugin process's environment in production).
 */
export function parsePrometheusConfig(
  block: unknown,
  env: Readonly<Record<string, string | undefined>>,
): PrometheusConfig {
  const reader = ConfigReader.root(block, "provider.prometheus").allowOnly([
    "address",
    "query",
    "timeout",
    "insecure",
    "headers",
    "authentication",
    "rangeQuery",
  ]);
  const address = readAddress(reader, env);
  const query = reader.requiredString("query");

  const timeoutSeconds = reader.integer("timeout") ?? DEFAULT_TIMEOUT_SECONDS;
  if (timeoutSeconds < 0) {
    throw new ConfigError(
      `prometheus timeout should not be negative: provider.prometheus.timeout is ${timeoutSeconds}`,
    );
  }

  const authentication = reader
    .child("authentication")
    ?.allowOnly(["basicAuth", "oauth2", "sigv4"]);
  const config: PrometheusConfig = {
    address,
    query,
    // The original passes timeout 0 straight to a context deadline; a zero deadline can never
    // succeed, so 0 means the default here.
    timeoutMs: (timeoutSeconds === 0 ? DEFAULT_TIMEOUT_SECONDS : timeoutSeconds) * 1000,
    insecure: reader.boolean("insecure") ?? false,
    headers: reader.headers("headers"),
  };

  const basic = authentication?.child("basicAuth")?.allowOnly(["username", "password"]);
  if (basic) {
    const username = basic.string("username") ?? "";
    const password = basic.string("password") ?? "";
    if (username === "" || password === "") {
      throw new ConfigError(
        "provider.prometheus.authentication.basicAuth needs both username and password",
      );
    }
    config.basicAuth = { username, password };
  }
  const oauth2 = readOAuth2(authentication);
  if (oauth2) config.oauth2 = oauth2;
  if (config.basicAuth && config.oauth2) {
    throw new ConfigError(
      "provider.prometheus.authentication: use either basicAuth or oauth2, not both",
    );
  }
  if (address.hostname.includes("aps-workspaces")) {
    // SigV4 signing needs AWS credentials handling this plugin does not ship.
    throw new ConfigError(
      `provider.prometheus.address ${address.host} is Amazon Managed Prometheus, which needs SigV4 signing; this plugin does not support sigv4: put a SigV4 proxy in front and point address at it`,
    );
  }

  const range = reader.child("rangeQuery")?.allowOnly(["start", "end", "step"]);
  if (range) {
    const step = range.requiredString("step");
    const stepMs = parseGoDuration(step);
    if (stepMs instanceof Error) {
      throw new ConfigError(`provider.prometheus.rangeQuery.step: ${stepMs.message}`);
    }
    if (stepMs <= 0) {
      throw new ConfigError(`provider.prometheus.rangeQuery.step must be positive, got ${step}`);
    }
    config.rangeQuery = {
      start: range.requiredString("start"),
      end: range.string("end") || "now()",
      stepSeconds: stepMs / 1000,
    };
    // Syntax errors are configuration errors; the times themselves are taken per measurement.
    for (const key of ["start", "end"] as const) {
      try {
        evaluateTimeExpression(config.rangeQuery[key], Date.now());
      } catch (error) {
        if (error instanceof TimeExpressionError) {
          throw new ConfigError(`provider.prometheus.rangeQuery.${key}: ${error.message}`);
        }
        throw error;
      }
    }
  }
  return config;
}

function readAddress(reader: ConfigReader, env: Readonly<Record<string, string | undefined>>): URL {
  const fromConfig = reader.string("address") ?? "";
  const fromEnv = env[ADDRESS_ENV] ?? "";
  const address = fromConfig !== "" ? fromConfig : fromEnv;
  if (address === "") {
    throw new ConfigError(
      `prometheus address is not configured: set provider.prometheus.address or the plugin's ${ADDRESS_ENV} environment variable`,
    );
  }
  const source = fromConfig !== "" ? "provider.prometheus.address" : ADDRESS_ENV;
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new ConfigError(
      `prometheus address is not in url format: ${source} is ${JSON.stringify(address)}, expected e.g. http://prometheus.monitoring:9090`,
    );
  }
  if (url.host === "" || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new ConfigError(
      `prometheus address is not in url format: ${source} is ${JSON.stringify(address)}, expected an http(s) URL with a host`,
    );
  }
  return url;
}
