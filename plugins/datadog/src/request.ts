// spec/analysis-and-providers.md §5.2: the request to Datadog's API.
import { goFormEncode, MeasurementError } from "@sluice/provider-common";
import type { DatadogConfig } from "./config.js";
import type { DatadogCredentials } from "./credentials.js";

export const DEFAULT_ADDRESS = "https://api.datadoghq.com";

export interface DatadogRequest {
  method: "GET" | "POST";
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

/** `nowSeconds`: whole seconds since the epoch; the window is [now - interval, now]. */
export function buildDatadogRequest(
  config: DatadogConfig,
  credentials: DatadogCredentials,
  nowSeconds: number,
): DatadogRequest {
  const configured = credentials.address !== "" ? credentials.address : DEFAULT_ADDRESS;
  const address = configured.replace(/\/+$/, "");
  const route = config.apiVersion === "v1" ? "/api/v1/query" : "/api/v2/query/scalar";
  let url: URL;
  try {
    url = new URL(address + route);
  } catch {
    throw new MeasurementError(
      `the Datadog address ${JSON.stringify(address)} is not a URL: fix the address key of the credentials`,
      false,
    );
  }
  const headers = {
    "Content-Type": "application/json",
    "DD-API-KEY": credentials.apiKey,
    "DD-APPLICATION-KEY": credentials.appKey,
  };
  const from = nowSeconds - config.intervalSeconds;
  if (config.apiVersion === "v1") {
    url.search = goFormEncode({
      from: String(from),
      query: config.query ?? "",
      to: String(nowSeconds),
    });
    return { method: "GET", url, headers };
  }
  const queries = Object.entries(config.queries ?? {}).map(([name, query]) => ({
    aggregator: config.aggregator,
    data_source: "metrics",
    name,
    query,
  }));
  const body = {
    data: {
      attributes: {
        // v2 takes milliseconds.
        from: from * 1000,
        to: nowSeconds * 1000,
        queries,
        formulas: config.formula ? [{ formula: config.formula }] : [],
      },
      type: "scalar_request",
    },
  };
  return { method: "POST", url, headers, body: JSON.stringify(body) };
}
