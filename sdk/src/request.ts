// Helpers that turn the JSON bytes of a request into values, answering a domain error (not a
// crash) for anything malformed. The SDK's servers use them before calling a plugin method;
// plugin authors who serve the proto themselves can use them too.
import type { DomainError } from "@sluice/proto";
import { domainError, PluginError } from "./errors.js";

export type JsonObject = { readonly [key: string]: unknown };

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: DomainError };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses UTF-8 JSON bytes. `what` names the field in the error ("rollout", "config"...). */
export function parseJsonBytes(bytes: Uint8Array, what: string): Parsed<unknown> {
  if (bytes.length === 0) {
    return { ok: false, error: domainError(`invalid request: ${what} is empty, expected JSON`) };
  }
  try {
    // A view over the request's bytes, not a copy: Buffer.from(Uint8Array) would copy them.
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      error: domainError(`invalid request: ${what} is not valid JSON: ${detail}`),
    };
  }
}

/** Parses JSON bytes that must hold an object (a Kubernetes object, a metric). */
export function parseJsonObject(bytes: Uint8Array, what: string): Parsed<JsonObject> {
  const parsed = parseJsonBytes(bytes, what);
  if (!parsed.ok) return parsed;
  if (!isJsonObject(parsed.value)) {
    return {
      ok: false,
      error: domainError(
        `invalid request: ${what} must be a JSON object, got ${describe(parsed.value)}`,
      ),
    };
  }
  return { ok: true, value: parsed.value };
}

/**
 * Parses the plugin's configuration block and validates it with `validate`, which returns the
 * typed configuration or throws (a ConfigError or PluginError message is used as is).
 * Empty bytes mean the controller sent no configuration at all: an error, because the
 * controller always sends at least `{}`.
 */
export function parseConfig<C>(
  bytes: Uint8Array,
  validate: (raw: unknown) => C,
  pluginName = "plugin",
): Parsed<C> {
  if (bytes.length === 0) {
    return {
      ok: false,
      error: domainError(
        `invalid request for ${pluginName}: the plugin configuration block is missing (expected at least {})`,
      ),
    };
  }
  const parsed = parseJsonBytes(bytes, "config");
  if (!parsed.ok) return parsed;
  try {
    return { ok: true, value: validate(parsed.value) };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    const retryable = error instanceof PluginError ? error.retryable : false;
    return {
      ok: false,
      error: domainError(`invalid configuration for ${pluginName}: ${detail}`, retryable),
    };
  }
}

/** Thrown by the config readers below; its message names the offending field. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Checks that `raw` is an object whose keys are all in `allowed`, so that a typo in a
 * Rollout's plugin block is reported instead of silently ignored.
 */
export function strictObject(
  raw: unknown,
  allowed: readonly string[],
  what = "config",
): JsonObject {
  if (!isJsonObject(raw)) throw new ConfigError(`${what} must be an object, got ${describe(raw)}`);
  const unknown = Object.keys(raw).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    const list = allowed.length === 0 ? "none" : allowed.join(", ");
    throw new ConfigError(`${what} has unknown field(s) ${unknown.join(", ")}; allowed: ${list}`);
  }
  return raw;
}

export function requireString(object: JsonObject, key: string, what = "config"): string {
  const value = object[key];
  if (typeof value !== "string" || value === "") {
    throw new ConfigError(`${what}.${key} must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

export function optionalString(
  object: JsonObject,
  key: string,
  what = "config",
): string | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string")
    throw new ConfigError(`${what}.${key} must be a string, got ${describe(value)}`);
  return value;
}

export function optionalNumber(
  object: JsonObject,
  key: string,
  what = "config",
): number | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new ConfigError(`${what}.${key} must be a number, got ${describe(value)}`);
  }
  return value;
}

/** Reads a nested string such as metadata.namespace; undefined when any step is missing. */
export function stringAt(object: JsonObject, ...path: string[]): string | undefined {
  let current: unknown = object;
  for (const key of path) {
    if (!isJsonObject(current)) return undefined;
    current = current[key];
  }
  return typeof current === "string" ? current : undefined;
}

/** Encodes a value as the JSON bytes a request carries. */
export function toJsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), "utf8");
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}
