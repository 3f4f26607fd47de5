// spec/analysis-and-providers.md §5.1: the HTTP exchange with Prometheus and what a response
// becomes. Pure functions; provider.ts does the I/O.
import {
  formatGoFloat,
  formatGoFloatList,
  goFormEncode,
  isObject,
  MeasurementError,
  type MeasurementOutcome,
  parseGoFloat,
} from "@sluice/provider-common";
import type { PrometheusConfig } from "./config.js";
import { evaluateTimeExpression } from "./time-expression.js";

export interface QueryCall {
  /** Full URL of the endpoint, the address's path prefix kept. */
  url: URL;
  /** Form parameters, sent as the POST body or, on fallback, as the GET query string. */
  params: Record<string, string>;
}

/** Seconds since the epoch with a fraction, as Prometheus' client writes times. */
export function formatPrometheusTime(epochMs: number): string {
  return formatGoFloat(epochMs / 1000);
}

export function endpointUrl(address: URL, path: string): URL {
  const url = new URL(address.href);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}${path}`;
  url.search = "";
  url.hash = "";
  return url;
}

export function buildQueryCall(config: PrometheusConfig, nowMs: number): QueryCall {
  if (!config.rangeQuery) {
    return {
      url: endpointUrl(config.address, "/api/v1/query"),
      params: { query: config.query, time: formatPrometheusTime(nowMs) },
    };
  }
  const start = evaluateTimeExpression(config.rangeQuery.start, nowMs);
  const end = evaluateTimeExpression(config.rangeQuery.end, nowMs);
  if (end < start) {
    throw new MeasurementError(
      `provider.prometheus.rangeQuery: end (${new Date(end).toISOString()}) is before start (${new Date(start).toISOString()})`,
      false,
    );
  }
  return {
    url: endpointUrl(config.address, "/api/v1/query_range"),
    params: {
      query: config.query,
      start: formatPrometheusTime(start),
      end: formatPrometheusTime(end),
      step: formatGoFloat(config.rangeQuery.stepSeconds),
    },
  };
}

export function postBody(call: QueryCall): string {
  return goFormEncode(call.params);
}

/** The URL of the GET that replaces a POST refused with 405 or 501. */
export function getFallbackUrl(call: QueryCall): URL {
  const url = new URL(call.url.href);
  url.search = goFormEncode(call.params);
  return url;
}

/** True when the server refuses POST for queries and the same request must go as a GET. */
export function needsGetFallback(status: number): boolean {
  return status === 405 || status === 501;
}

// Statuses on which Prometheus still answers its JSON envelope with the error inside.
const API_ERROR_STATUSES = new Set([400, 422, 503]);

export function parseQueryResponse(status: number, body: string): MeasurementOutcome {
  if ((status < 200 || status >= 300) && !API_ERROR_STATUSES.has(status)) {
    const kind = status >= 500 ? "server" : "client";
    const detail = body.trim() === "" ? "" : `: ${excerpt(body)}`;
    throw new MeasurementError(`${kind}_error: ${kind} error: ${status}${detail}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new MeasurementError(
      `bad_response: Prometheus answered ${status} with a body that is not JSON: ${excerpt(body)}`,
    );
  }
  if (!isObject(parsed)) {
    throw new MeasurementError(`bad_response: Prometheus answered ${status} with ${excerpt(body)}`);
  }
  const envelope = parsed;
  if (envelope.status === "error") {
    const errorType = typeof envelope.errorType === "string" ? envelope.errorType : "unknown";
    const message = typeof envelope.error === "string" ? envelope.error : excerpt(body);
    // A query that does not parse is `bad_data`: only the user can fix it.
    throw new MeasurementError(`${errorType}: ${message}`, errorType !== "bad_data");
  }
  if (status < 200 || status >= 300) {
    throw new MeasurementError(`server_error: server error: ${status}: ${excerpt(body)}`);
  }
  const data = envelope.data;
  if (!isObject(data)) {
    throw new MeasurementError(`bad_response: Prometheus answered without data: ${excerpt(body)}`);
  }
  const outcome = readResult(data.resultType, data.result);
  const warnings = Array.isArray(envelope.warnings)
    ? envelope.warnings.filter((w: unknown): w is string => typeof w === "string")
    : [];
  if (warnings.length > 0) {
    // spec §5.1: `"w1", "w2"`.
    outcome.metadata = { warnings: warnings.map((w) => `"${w}"`).join(", ") };
  }
  return outcome;
}

function readResult(resultType: unknown, result: unknown): MeasurementOutcome {
  switch (resultType) {
    case "scalar": {
      const value = readSamplePair(result, "scalar result");
      return { value: formatGoFloat(value), result: value };
    }
    case "vector": {
      const values = readSeriesList(result, "vector").map((series, index) =>
        readSamplePair(series.value, `vector result[${index}].value`),
      );
      return { value: formatGoFloatList(values), result: values };
    }
    case "matrix": {
      const values = readSeriesList(result, "matrix").flatMap((series, index) => {
        if (!Array.isArray(series.values)) {
          if (series.histograms !== undefined) return [];
          throw badShape(`matrix result[${index}] has no values`);
        }
        return series.values.map((pair, at) =>
          readSamplePair(pair, `matrix result[${index}].values[${at}]`),
        );
      });
      return { value: formatGoFloatList(values), result: values };
    }
    default:
      throw new MeasurementError("Prometheus metric type not supported", false);
  }
}

function readSeriesList(result: unknown, kind: string): Array<Record<string, unknown>> {
  if (!Array.isArray(result) || !result.every(isObject)) {
    throw badShape(`${kind} result is not a list of series`);
  }
  return result;
}

function readSamplePair(pair: unknown, where: string): number {
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[1] !== "string") {
    throw badShape(`${where} is not a [time, "value"] pair`);
  }
  const value = parseGoFloat(pair[1]);
  if (value === undefined)
    throw badShape(`${where} value ${JSON.stringify(pair[1])} is not a number`);
  return value;
}

function badShape(message: string): MeasurementError {
  return new MeasurementError(`bad_response: ${message}`);
}

function excerpt(text: string): string {
  const flat = text.trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}...` : flat;
}
