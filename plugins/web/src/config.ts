// spec/analysis-and-providers.md §5.3: the `provider.web` block of a metric. Header values that
// came from Secrets (`{{args.token}}` with `valueFrom.secretKeyRef`) are already resolved by the
// controller before the plugin is called (spec §6: "the metric is fully resolved").
import { ConfigError, ConfigReader, type OAuth2Config, readOAuth2 } from "@sluice/provider-common";
import { type CompiledJsonPath, compileJsonPath, JsonPathError } from "./jsonpath.js";

export const DEFAULT_TIMEOUT_SECONDS = 10;
export const DEFAULT_JSON_PATH = "{$}";
const METHODS = ["GET", "POST", "PUT"] as const;
export type WebMethod = (typeof METHODS)[number];

export interface WebConfig {
  method: WebMethod;
  url: URL;
  headers: Array<{ key: string; value: string }>;
  /** Exactly what is sent, if anything. */
  body?: { text: string; json: boolean };
  timeoutMs: number;
  jsonPath: CompiledJsonPath;
  insecure: boolean;
  oauth2?: OAuth2Config;
}

export function parseWebConfig(block: unknown): WebConfig {
  const reader = ConfigReader.root(block, "provider.web").allowOnly([
    "method",
    "url",
    "headers",
    "body",
    "jsonBody",
    "timeoutSeconds",
    "jsonPath",
    "insecure",
    "authentication",
  ]);
  const methodText = (reader.string("method") ?? "") || "GET";
  const method = METHODS.find((m) => m === methodText);
  if (!method) {
    throw new ConfigError(
      `provider.web.method must be GET, POST or PUT, got ${JSON.stringify(methodText)}`,
    );
  }
  const urlText = reader.requiredString("url");
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw new ConfigError(`provider.web.url is not a URL: ${JSON.stringify(urlText)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`provider.web.url must be http or https, got ${url.protocol}`);
  }

  const stringBody = reader.string("body") ?? "";
  const jsonBody = reader.raw("jsonBody");
  const hasJsonBody = jsonBody !== undefined && jsonBody !== null;
  // Messages as the original words them (spec §5.3).
  if (stringBody !== "" && hasJsonBody) {
    throw new ConfigError("use either Body or JSONBody; both cannot exists for WebMetric payload");
  }
  if ((stringBody !== "" || hasJsonBody) && method === "GET") {
    throw new ConfigError("Body/JSONBody can only be used with POST or PUT WebMetric Method types");
  }

  const timeoutSeconds = reader.integer("timeoutSeconds") ?? 0;
  const jsonPathText = (reader.string("jsonPath") ?? "") || DEFAULT_JSON_PATH;
  let jsonPath: CompiledJsonPath;
  try {
    jsonPath = compileJsonPath(jsonPathText);
  } catch (error) {
    if (error instanceof JsonPathError) {
      throw new ConfigError(`provider.web.jsonPath is not a valid JSONPath: ${error.message}`);
    }
    throw error;
  }

  const config: WebConfig = {
    method,
    url,
    headers: reader.headers("headers"),
    // The original treats 0 or less as "use the default".
    timeoutMs: (timeoutSeconds > 0 ? timeoutSeconds : DEFAULT_TIMEOUT_SECONDS) * 1000,
    jsonPath,
    insecure: reader.boolean("insecure") ?? false,
  };
  if (stringBody !== "") config.body = { text: stringBody, json: false };
  if (hasJsonBody) config.body = { text: JSON.stringify(jsonBody), json: true };
  const oauth2 = readOAuth2(reader.child("authentication")?.allowOnly(["oauth2"]));
  if (oauth2) config.oauth2 = oauth2;
  return config;
}
