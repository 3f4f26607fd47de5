// Datadog answers 429 when an organisation exceeds its query rate limit and says when to come
// back: `Retry-After` (seconds or an HTTP date) or `X-RateLimit-Reset` (seconds until the
// window resets). The original gives up at once (an open request upstream); this plugin waits
// and retries as long as the wait still ends inside the request's deadline.
import type { IncomingHttpHeaders } from "node:http";

const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 8_000;
const MIN_WAIT_MS = 50;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** How long to wait before attempt number `attempt + 1` (attempt counts from 0). */
export function retryDelayMs(headers: IncomingHttpHeaders, attempt: number, nowMs: number): number {
  const backoff = Math.min(FIRST_BACKOFF_MS * 2 ** attempt, MAX_BACKOFF_MS);
  const retryAfter = header(headers, "retry-after")?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.max(Number(retryAfter) * 1000, MIN_WAIT_MS);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(at - nowMs, MIN_WAIT_MS);
  }
  const reset = header(headers, "x-ratelimit-reset")?.trim();
  if (reset && /^\d+(\.\d+)?$/.test(reset)) return Math.max(Number(reset) * 1000, MIN_WAIT_MS);
  return backoff;
}
