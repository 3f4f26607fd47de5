import type { DomainError } from "@sluice/proto";

/**
 * Throw this from a plugin method to answer a domain error (DESIGN.md §3: domain failures
 * travel in the reply). `retryable` says whether the same call may succeed later unchanged.
 */
export class PluginError extends Error {
  override name = "PluginError";
  readonly retryable: boolean;
  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? false;
  }
}

/** Builds the reply-side error. An empty message would be a contract failure, so it never is. */
export function domainError(message: string, retryable = false): DomainError {
  return {
    message: message === "" ? "plugin reported an error without a message" : message,
    retryable,
  };
}

/** Turns anything a plugin threw into the reply-side error for `method`. */
export function errorToDomainError(method: string, thrown: unknown): DomainError {
  if (thrown instanceof PluginError) return domainError(thrown.message, thrown.retryable);
  const detail = thrown instanceof Error ? thrown.message : String(thrown);
  return domainError(`${method} failed inside the plugin: ${detail}`, false);
}
