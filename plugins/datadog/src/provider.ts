// One Datadog measurement: credentials, the request, retries on 429 inside the deadline, the
// answer.
import {
  formatDurationMs,
  HttpTransportError,
  httpRequest,
  MeasurementError,
  type MeasurementOutcome,
  measurementDeadline,
} from "@sluice/provider-common";
import type { DatadogConfig } from "./config.js";
import type { DatadogCredentials } from "./credentials.js";
import { retryDelayMs } from "./rate-limit.js";
import { buildDatadogRequest } from "./request.js";
import { parseV1Response, parseV2Response } from "./response.js";

export interface DatadogMeasureOptions {
  now?: () => number;
  /** Waits between attempts; tests may record them. */
  sleep?: (ms: number) => Promise<void>;
  /** Called before each retry, for logs (never with credentials). */
  onRateLimited?: (attempt: number, waitMs: number) => void;
  /** The gRPC call's deadline; the measurement, retries included, ends before it. */
  callDeadline?: Date;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function measureDatadog(
  config: DatadogConfig,
  credentials: DatadogCredentials,
  options: DatadogMeasureOptions = {},
): Promise<MeasurementOutcome> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? sleepFor;
  const request = buildDatadogRequest(config, credentials, Math.floor(now() / 1000));
  // The whole measurement, retries included, fits in requestTimeout.
  const { deadline, timeoutMs } = measurementDeadline(
    config.requestTimeoutMs,
    options.callDeadline,
  );
  for (let attempt = 0; ; attempt++) {
    let response: Awaited<ReturnType<typeof httpRequest>>;
    try {
      response = await httpRequest({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: request.body,
        deadline,
        timeoutMs,
      });
    } catch (error) {
      if (error instanceof HttpTransportError) {
        throw new MeasurementError(
          error.timedOut
            ? `Datadog API request timed out after ${formatDurationMs(timeoutMs)} before receiving an HTTP response: ${error.message}`
            : `Datadog API request failed before receiving an HTTP response: ${error.message}`,
        );
      }
      throw error;
    }
    if (response.status === 429) {
      const wait = retryDelayMs(response.headers, attempt, Date.now());
      if (Date.now() + wait < deadline) {
        options.onRateLimited?.(attempt + 1, wait);
        await sleep(wait);
        continue;
      }
      throw new MeasurementError(
        `received non 2xx response code: 429 ${response.body} (rate limited by Datadog after ${attempt + 1} attempt${attempt === 0 ? "" : "s"}; the next try in ${formatDurationMs(wait)} would pass the measurement's ${formatDurationMs(timeoutMs)} deadline)`,
      );
    }
    return config.apiVersion === "v1"
      ? parseV1Response(response.status, response.body)
      : parseV2Response(response.status, response.body);
  }
}
