// One Web measurement: optional OAuth2 token, the request, the answer through the JSONPath.
import {
  errorMessage,
  fetchClientCredentialsToken,
  HttpTransportError,
  httpRequest,
  MeasurementError,
  type MeasurementOutcome,
  measurementDeadline,
} from "@sluice/provider-common";
import type { WebConfig } from "./config.js";
import { parseWebResponse } from "./response.js";

export interface WebRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

/** The request exactly as sent, before any OAuth2 token is added. */
export function buildWebRequest(config: WebConfig): WebRequest {
  const headers: Record<string, string> = {};
  const set = (name: string, value: string) => {
    for (const existing of Object.keys(headers)) {
      if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    }
    headers[name] = value;
  };
  for (const { key, value } of config.headers) set(key, value);
  // spec §5.3: jsonBody forces the content type.
  if (config.body?.json) set("Content-Type", "application/json");
  if (config.body === undefined) return { method: config.method, url: config.url, headers };
  return { method: config.method, url: config.url, headers, body: config.body.text };
}

export async function measureWeb(
  config: WebConfig,
  options: { callDeadline?: Date } = {},
): Promise<MeasurementOutcome> {
  const { deadline, timeoutMs } = measurementDeadline(config.timeoutMs, options.callDeadline);
  const request = buildWebRequest(config);
  if (config.oauth2) {
    try {
      const token = await fetchClientCredentialsToken(config.oauth2, {
        deadline,
        insecure: config.insecure,
        timeoutMs,
      });
      for (const name of Object.keys(request.headers)) {
        if (name.toLowerCase() === "authorization") delete request.headers[name];
      }
      request.headers.Authorization = `Bearer ${token}`;
    } catch (error) {
      throw new MeasurementError(errorMessage(error));
    }
  }
  let response: Awaited<ReturnType<typeof httpRequest>>;
  try {
    response = await httpRequest({
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: request.body,
      insecure: config.insecure,
      deadline,
      timeoutMs,
    });
  } catch (error) {
    if (error instanceof HttpTransportError) throw new MeasurementError(error.message);
    throw error;
  }
  return parseWebResponse(response.status, response.body, config.jsonPath);
}
