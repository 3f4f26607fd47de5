import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";

export type { Logger } from "pino";

/**
 * The keys every log line about a domain object uses (CONVENTIONS.md "Errors and logs").
 * Dashboards and log queries filter on these, so they never change spelling.
 */
export interface LogContext {
  namespace?: string;
  rollout?: string;
  analysisrun?: string;
  experiment?: string;
  plugin?: string;
  step?: number | string;
  revision?: number | string;
  /** Free-form component name: "informer", "workqueue", "leader-election"... */
  component?: string;
}

/** What pino prints in place of a redacted value. */
export const REDACTED = "[REDACTED]";

/**
 * Paths pino blanks out before a line is written. Headers are matched both at the top level
 * and one object deep because request/response objects are logged under varying keys
 * (`req`, `request`, `response`, `err`...). Secret objects are logged only through
 * `redactSecret`, but `data`/`stringData` under a `secret` key are covered as a last guard.
 */
export const REDACT_PATHS: readonly string[] = [
  "headers.authorization",
  "headers.Authorization",
  'headers["x-api-key"]',
  'headers["X-Api-Key"]',
  'headers["dd-api-key"]',
  'headers["dd-application-key"]',
  'headers["proxy-authorization"]',
  "headers.cookie",
  "*.headers.authorization",
  "*.headers.Authorization",
  '*.headers["x-api-key"]',
  '*.headers["X-Api-Key"]',
  '*.headers["dd-api-key"]',
  '*.headers["dd-application-key"]',
  '*.headers["proxy-authorization"]',
  "*.headers.cookie",
  "authorization",
  "apiKey",
  "api_key",
  "appKey",
  "token",
  "password",
  "bearerToken",
  "*.authorization",
  "*.apiKey",
  "*.api_key",
  "*.appKey",
  "*.token",
  "*.password",
  "*.bearerToken",
  "secret.data",
  "secret.stringData",
];

export interface CreateLoggerOptions {
  /** pino level; defaults to LOG_LEVEL from the environment, else "info". */
  level?: string;
  /** Written as `name` on every line. */
  name?: string;
  /** Extra redaction paths on top of REDACT_PATHS. */
  redact?: readonly string[];
  /** Where lines go; stdout when absent (tests pass a stream to capture lines). */
  destination?: DestinationStream;
}

/** The process's root logger: JSON lines, ISO timestamps, secrets redacted. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const pinoOptions: LoggerOptions = {
    level: options.level ?? process.env.LOG_LEVEL ?? "info",
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACT_PATHS, ...(options.redact ?? [])], censor: REDACTED },
    formatters: {
      // Level as a word ("info") rather than a number: easier to grep in a cluster's log store.
      level: (label) => ({ level: label }),
    },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
  };
  if (options.name !== undefined) pinoOptions.name = options.name;
  return options.destination === undefined
    ? pino(pinoOptions)
    : pino(pinoOptions, options.destination);
}

/** A child logger carrying the stable context keys; absent keys are left out of the line. */
export function withContext(parent: Logger, context: LogContext): Logger {
  const bindings: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(context)) {
    if (value !== undefined) bindings[key] = value;
  }
  return parent.child(bindings);
}

/** Child logger for one Rollout: every line carries `namespace` and `rollout`. */
export function rolloutLogger(parent: Logger, namespace: string, rollout: string): Logger {
  return parent.child({ namespace, rollout });
}

/** Child logger for one AnalysisRun. */
export function analysisRunLogger(parent: Logger, namespace: string, analysisrun: string): Logger {
  return parent.child({ namespace, analysisrun });
}

/** Child logger for one plugin. */
export function pluginLogger(parent: Logger, plugin: string): Logger {
  return parent.child({ plugin });
}

const SENSITIVE_HEADER =
  /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|.*api[-_]?key.*|.*app(lication)?[-_]?key.*|.*token.*|.*secret.*)$/i;

/**
 * A copy of HTTP headers that is safe to log: values of credentials-bearing headers
 * (Authorization, cookies, any *api-key*, *token*, *secret* header) are replaced.
 */
export function redactHeaders(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
): Record<string, string | readonly string[] | undefined> {
  const safe: Record<string, string | readonly string[] | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    safe[name] = SENSITIVE_HEADER.test(name) && value !== undefined ? REDACTED : value;
  }
  return safe;
}

/**
 * A copy of a Secret (or any object with `data`/`stringData`) whose values are replaced,
 * keeping the keys so a log line still says which keys were present.
 */
export function redactSecret(secret: unknown): unknown {
  if (typeof secret !== "object" || secret === null || Array.isArray(secret)) return secret;
  const copy: Record<string, unknown> = { ...(secret as Record<string, unknown>) };
  for (const field of ["data", "stringData"]) {
    const values = copy[field];
    if (typeof values === "object" && values !== null && !Array.isArray(values)) {
      const masked: Record<string, string> = {};
      for (const key of Object.keys(values)) masked[key] = REDACTED;
      copy[field] = masked;
    }
  }
  return copy;
}

/** The message of anything thrown, for log lines and status messages. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}
