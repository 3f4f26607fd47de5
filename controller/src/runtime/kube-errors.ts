/** Errors from the Kubernetes API and the retry helpers built on them. */

/** What the API server said when it refused a request (its `Status` object, when present). */
export class KubeApiError extends Error {
  override readonly name = "KubeApiError";
  constructor(
    message: string,
    /** HTTP status; 0 when the request never got an answer (connection refused, timeout). */
    readonly statusCode: number,
    /** `Status.reason` ("Conflict", "NotFound", "AlreadyExists", "Expired"...), or "". */
    readonly reason: string,
    /** The server's own message, without our prefix. */
    readonly serverMessage: string,
  ) {
    super(message);
  }
}

function statusCodeOf(error: unknown): number | undefined {
  return error instanceof KubeApiError ? error.statusCode : undefined;
}

export function isNotFound(error: unknown): boolean {
  return statusCodeOf(error) === 404;
}

/** 409 with reason Conflict: our resourceVersion was stale. */
export function isConflict(error: unknown): boolean {
  return (
    error instanceof KubeApiError && error.statusCode === 409 && error.reason !== "AlreadyExists"
  );
}

export function isAlreadyExists(error: unknown): boolean {
  return (
    error instanceof KubeApiError && error.statusCode === 409 && error.reason === "AlreadyExists"
  );
}

/** 410 Gone: the resourceVersion we watched from is older than the server keeps. */
export function isGone(error: unknown): boolean {
  return statusCodeOf(error) === 410;
}

/** Errors a later attempt can cure: no answer, throttling, server-side trouble. */
export function isTransient(error: unknown): boolean {
  const code = statusCodeOf(error);
  if (code === undefined) return false;
  return code === 0 || code === 429 || code >= 500;
}

export interface Backoff {
  /** How many attempts in all. */
  steps: number;
  /** Delay before the second attempt. */
  initialDelayMs: number;
  /** Each further delay is the previous one times this. */
  factor: number;
  /** Random extra of up to this fraction of the delay, so competing writers spread out. */
  jitter: number;
}

/** Matches client-go's `retry.DefaultRetry`: five quick attempts, for conflicts. */
export const DEFAULT_RETRY: Backoff = { steps: 5, initialDelayMs: 10, factor: 1, jitter: 0.1 };

/** Matches client-go's `retry.DefaultBackoff`: four attempts spreading over about 1.5 s. */
export const DEFAULT_BACKOFF: Backoff = { steps: 4, initialDelayMs: 10, factor: 5, jitter: 0.1 };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, throws an error `retriable` rejects, or the backoff's
 * steps are used up (then the last error is thrown). `attempt` must re-read the object each
 * time: retrying a write with the same stale copy only conflicts again.
 */
export async function retryWithBackoff<T>(
  attempt: () => Promise<T>,
  retriable: (error: unknown) => boolean,
  backoff: Backoff = DEFAULT_BACKOFF,
): Promise<T> {
  let delay = backoff.initialDelayMs;
  for (let step = 1; ; step++) {
    try {
      return await attempt();
    } catch (error) {
      if (step >= backoff.steps || !retriable(error)) throw error;
    }
    await sleep(delay * (1 + Math.random() * backoff.jitter));
    delay *= backoff.factor;
  }
}

/** client-go's `retry.RetryOnConflict`: re-run a read-modify-write on 409 Conflict. */
export function retryOnConflict<T>(
  attempt: () => Promise<T>,
  backoff: Backoff = DEFAULT_RETRY,
): Promise<T> {
  return retryWithBackoff(attempt, isConflict, backoff);
}
