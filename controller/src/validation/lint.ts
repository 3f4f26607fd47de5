// One call for `lint`-style checking of any object of our five kinds: the schema first, then,
// for Rollouts, every check of spec §8 (all of them, not only the first).
import { describeParseErrors, parseRollout, parsersByKind } from "../api/parse.js";
import { validateRolloutAll } from "./rollout.js";
import { formatFieldError, type ValidationContext } from "./types.js";

export interface LintResult {
  kind: string;
  name: string;
  /** Human-readable problems; empty when the object is valid. */
  problems: string[];
}

function field(obj: unknown, key: string): unknown {
  return typeof obj === "object" && obj !== null
    ? (obj as Record<string, unknown>)[key]
    : undefined;
}

/** Undefined for objects that are not one of our kinds (Services, Ingresses...). */
export function lintObject(obj: unknown, context: ValidationContext = {}): LintResult | undefined {
  const kind = field(obj, "kind");
  if (typeof kind !== "string") return undefined;
  const parser = parsersByKind[kind];
  if (parser === undefined) return undefined;
  const rawName = field(field(obj, "metadata"), "name");
  const name = typeof rawName === "string" ? rawName : "";
  if (kind === "Rollout") {
    const parsed = parseRollout(obj);
    if (!parsed.ok)
      return { kind, name, problems: [describeParseErrors(kind, obj, parsed.errors)] };
    return {
      kind,
      name,
      problems: validateRolloutAll(parsed.value, context).map(formatFieldError),
    };
  }
  const parsed = parser.parse(obj);
  return { kind, name, problems: parsed.ok ? [] : [describeParseErrors(kind, obj, parsed.errors)] };
}
