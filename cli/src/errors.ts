// Every failure the user can cause ends as one line on stderr and a non-zero exit; these
// helpers turn API and network errors into that line.
// Errors are recognised by shape rather than class so this module stays free of the heavy
// client and controller imports (see cli.ts).
import { num, rec, str } from "./values.js";

/** client-node's ApiException: an HTTP status and the response body. */
interface ApiError {
  code: number;
  body: unknown;
}

function asApiError(error: unknown): ApiError | undefined {
  if (!(error instanceof Error) || error.constructor.name !== "ApiException") return undefined;
  const code = num(rec(error).code);
  return code === undefined ? undefined : { code, body: rec(error).body };
}

/** A mistake the user can fix; the message says what and how. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function isNotFound(error: unknown): boolean {
  return asApiError(error)?.code === 404;
}

function apiMessage(error: ApiError): string {
  const body: unknown = error.body;
  let parsed: unknown = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.trim() === "" ? `HTTP ${error.code}` : body.trim();
    }
  }
  return str(rec(parsed).message) ?? `the API server answered HTTP ${error.code}`;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
]);

function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined; depth++) {
    const code = str(rec(current).code);
    if (code !== undefined && NETWORK_CODES.has(code)) return code;
    current = rec(current).cause;
  }
  return undefined;
}

/** The one line printed for an error (without the "Error: " prefix). */
export function describeError(error: unknown, server: string | undefined): string {
  if (error instanceof CliError) return error.message;
  if (error instanceof Error && error.name === "ActionError") return error.message;
  const api = asApiError(error);
  if (api !== undefined) return apiMessage(api);
  const code = networkCode(error);
  if (code !== undefined) {
    const where = server === undefined ? "the cluster" : `the cluster at ${server}`;
    return `cannot reach ${where} (${code}); check --kubeconfig and --context, and that the API server is running`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
