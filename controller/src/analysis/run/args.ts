// Argument templating of metrics (spec/analysis-and-providers.md §1.3, §2.2). The caller
// resolves `value`, `secretKeyRef` and `fieldRef` into an ArgResolution per name; this
// module checks every declared argument has a value and substitutes `{{args.x}}`.
import type { Argument, Metric } from "../../api/analysis.js";

/** What the caller found for one argument. */
export type ArgResolution =
  | { readonly value: string; readonly secret?: boolean }
  /** e.g. `key 'k' does not exist in secret 's'` */
  | { readonly error: string };

export interface ArgValues {
  readonly values: ReadonlyMap<string, string>;
  /** Values read from Secrets: masked in messages and metadata. */
  readonly secretValues: readonly string[];
}

/** Stands in for secret values where the spec must not see them (validation, §2.1 step 2). */
export const SECRET_PLACEHOLDER = "*****";

export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

/**
 * The value of every declared argument: the caller's resolution when given, else the
 * literal `value`. A declared argument left without one fails the run (§1.3).
 */
export function collectArgValues(
  args: readonly Argument[] | undefined,
  resolved: Readonly<Record<string, ArgResolution>>,
): Outcome<ArgValues> {
  const values = new Map<string, string>();
  const secretValues: string[] = [];
  for (const arg of args ?? []) {
    const found = Object.hasOwn(resolved, arg.name) ? resolved[arg.name] : undefined;
    if (found !== undefined && "error" in found) return { ok: false, error: found.error };
    const value = found?.value ?? arg.value;
    if (value === undefined) return { ok: false, error: `args.${arg.name} was not resolved` };
    values.set(arg.name, value);
    const secret =
      (found !== undefined && found.secret === true) || arg.valueFrom?.secretKeyRef !== undefined;
    if (secret && value !== "") secretValues.push(value);
  }
  return { ok: true, value: { values, secretValues } };
}

/** The same values with every secret replaced by the placeholder. */
export function maskedArgValues(args: ArgValues): ArgValues {
  const secrets = new Set(args.secretValues);
  const values = new Map<string, string>();
  for (const [name, value] of args.values)
    values.set(name, secrets.has(value) ? SECRET_PLACEHOLDER : value);
  return { values, secretValues: [] };
}

/**
 * Substitutes every `{{tag}}` in the metric. The metric is templated as JSON text with
 * JSON-escaped values, so any field (queries, headers, Job specs, `count`, conditions) can
 * hold a placeholder. Only `args.<name>` exists; any other tag is an error (§2.2).
 */
export function templateMetric(metric: Metric, args: ArgValues): Outcome<Metric> {
  const text = JSON.stringify(metric);
  if (!text.includes("{{")) return { ok: true, value: metric };
  let out = "";
  let cursor = 0;
  while (true) {
    const open = text.indexOf("{{", cursor);
    if (open < 0) break;
    const close = text.indexOf("}}", open + 2);
    if (close < 0) {
      return {
        ok: false,
        error: `failed to resolve ${unescapeJson(text.slice(open))}: missing "}}"`,
      };
    }
    const rawTag = text.slice(open + 2, close);
    const tag = unescapeJson(rawTag).trim();
    const name = tag.startsWith("args.") ? tag.slice("args.".length) : undefined;
    const value = name === undefined ? undefined : args.values.get(name);
    if (value === undefined) return { ok: false, error: `failed to resolve {{${tag}}}` };
    out += text.slice(cursor, open) + JSON.stringify(value).slice(1, -1);
    cursor = close + 2;
  }
  out += text.slice(cursor);
  try {
    return { ok: true, value: JSON.parse(out) as Metric };
  } catch (error) {
    return {
      ok: false,
      error: `metric ${metric.name} is not valid after templating: ${String(error)}`,
    };
  }
}

/** Text of a JSON string fragment as the user wrote it (for messages and tag names). */
function unescapeJson(fragment: string): string {
  try {
    return JSON.parse(`"${fragment}"`) as string;
  } catch {
    return fragment;
  }
}

/** Replaces every secret value in `text` by the placeholder (§2.2, Open point 5). */
export function redactSecrets(text: string, secretValues: readonly string[]): string {
  let out = text;
  for (const secret of secretValues) out = out.split(secret).join(SECRET_PLACEHOLDER);
  return out;
}
