// One Prometheus measurement: authenticate, query (POST, GET on 405/501), read the result.
import {
  basicAuthHeader,
  errorMessage,
  fetchClientCredentialsToken,
  HttpTransportError,
  httpRequest,
  MeasurementError,
  type MeasurementOutcome,
  measurementDeadline,
} from "@sluice/provider-common";
import type { PrometheusConfig } from "./config.js";
import {
  buildQueryCall,
  getFallbackUrl,
  needsGetFallback,
  parseQueryResponse,
  postBody,
} from "./query.js";

export interface MeasureOptions {
  /** Clock, epoch ms; tests pin it. */
  now?: () => number;
  /** The gRPC call's deadline; the measurement ends before it. */
  callDeadline?: Date;
}

/** Headers for every request: the metric's own, then authentication (which wins). */
export async function requestHeaders(
  config: PrometheusConfig,
  deadline: number,
  timeoutMs: number = config.timeoutMs,
): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  const set = (name: string, value: string) => {
    for (const existing of Object.keys(headers)) {
      if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    }
    headers[name] = value;
  };
  for (const { key, value } of config.headers) set(key, value);
  if (config.basicAuth) {
    set("Authorization", basicAuthHeader(config.basicAuth.username, config.basicAuth.password));
  }
  if (config.oauth2) {
    let token: string;
    try {
      token = await fetchClientCredentialsToken(config.oauth2, {
        deadline,
        insecure: config.insecure,
        timeoutMs,
      });
    } catch (error) {
      throw new MeasurementError(errorMessage(error));
    }
    set("Authorization", `Bearer ${token}`);
  }
  return headers;
}

export async function measurePrometheus(
  config: PrometheusConfig,
  options: MeasureOptions = {},
): Promise<MeasurementOutcome> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const { deadline, timeoutMs } = measurementDeadline(config.timeoutMs, options.callDeadline);
  const call = buildQueryCall(config, startedAt);
  const headers = await requestHeaders(config, deadline, timeoutMs);
  try {
    let response = await httpRequest({
      method: "POST",
      url: call.url,
      headers: { ...headers, "Content-Type": "application/x-www-form-urlencoded" },
      body: postBody(call),
      insecure: config.insecure,
      deadline,
      timeoutMs,
    });
    if (needsGetFallback(response.status)) {
      response = await httpRequest({
        method: "GET",
        url: getFallbackUrl(call),
        headers,
        insecure: config.insecure,
        deadline,
        timeoutMs,
      });
    }
    return parseQueryResponse(response.status, response.body);
  } catch (error) {
    if (error instanceof MeasurementError) throw error;
    if (error instanceof HttpTransportError) {
      throw new MeasurementError(`Prometheus query failed: ${error.message}`);
    }
    throw error;
  }
}
