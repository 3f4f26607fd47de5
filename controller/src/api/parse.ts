// Runtime validation at the edge: objects from the API server, files or users are `unknown`
// until one of these parsers accepts them (CONVENTIONS "Types at the edges").
import type { Static, TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import {
  AnalysisRunSchema,
  AnalysisTemplateSchema,
  ClusterAnalysisTemplateSchema,
} from "./analysis.js";
import { GROUP_VERSION } from "./common.js";
import { ExperimentSchema } from "./experiment.js";
import { RolloutSchema } from "./rollout.js";
import { PRESERVE_UNKNOWN } from "./schema-helpers.js";

export interface FieldError {
  /** Dotted path into the object, e.g. `spec.strategy.canary.steps[2].setWeight`. */
  path: string;
  message: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

const MAX_ERRORS = 10;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function schemaOf(v: unknown): Record<string, unknown> | undefined {
  return isPlainObject(v) ? v : undefined;
}

/**
 * Drops `null` object fields the way the API server prunes them for structural schemas
 * (Go clients write `null` for unset pointers), without touching regions the schema keeps
 * as written (pod specs, plugin configuration). Copy on write: the input is never changed,
 * and is returned as is when it holds no such null.
 */
export function pruneNulls(schema: TSchema, value: unknown): unknown {
  const s = schemaOf(schema);
  if (s === undefined) return value;
  // Runs on every object of every pass: plain loops, no per-object closures or key arrays.
  if (Array.isArray(value)) {
    const items = schemaOf(s.items);
    if (items === undefined) return value;
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const pruned = pruneNulls(items as TSchema, v);
      if (pruned !== v) out ??= value.slice();
      if (out !== undefined) out[i] = pruned;
    }
    return out ?? value;
  }
  if (!isPlainObject(value)) return value;
  const properties = schemaOf(s.properties);
  // A free-form object (no declared fields): keep it exactly as written.
  if (s[PRESERVE_UNKNOWN] === true && properties === undefined) return value;
  const mapValues = mapValueSchema(s);
  let out: Record<string, unknown> | undefined;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const child = value[key];
    if (child === null) {
      out ??= { ...value };
      delete out[key];
      continue;
    }
    if (typeof child !== "object") continue;
    const childSchema = schemaOf(properties?.[key]) ?? mapValues;
    const pruned = childSchema === undefined ? child : pruneNulls(childSchema as TSchema, child);
    if (pruned !== child) {
      out ??= { ...value };
      out[key] = pruned;
    }
  }
  return out ?? value;
}

/** The schema of a map's values (`patternProperties`), looked up once per schema node. */
const mapValueSchemas = new WeakMap<object, Record<string, unknown> | null>();
function mapValueSchema(s: Record<string, unknown>): Record<string, unknown> | undefined {
  let found = mapValueSchemas.get(s);
  if (found === undefined) {
    const patterns = schemaOf(s.patternProperties);
    found = (patterns === undefined ? undefined : schemaOf(Object.values(patterns)[0])) ?? null;
    mapValueSchemas.set(s, found);
  }
  return found ?? undefined;
}

/** `/spec/steps/0/setWeight` → `spec.steps[0].setWeight` */
export function pointerToPath(pointer: string): string {
  if (pointer === "" || pointer === "/") return "(root)";
  let out = "";
  for (const raw of pointer.split("/").slice(1)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

export interface KindParser<T> {
  readonly kind: string;
  readonly schema: TSchema;
  /**
   * Validates the shape, apiVersion and kind. On success `value` is the input itself, or a
   * copy without the nulls the API server would have pruned; treat it as read-only.
   */
  parse(input: unknown): ParseResult<T>;
  /** True when the value has the shape (no apiVersion/kind check, no copy). */
  check(input: unknown): input is T;
}

/** A validator for one resource kind, compiled once. */
export function kindParser<S extends TSchema>(kind: string, schema: S): KindParser<Static<S>> {
  const compiled = TypeCompiler.Compile(schema);
  return {
    kind,
    schema,
    check: (input: unknown): input is Static<S> => compiled.Check(input),
    parse(input: unknown): ParseResult<Static<S>> {
      if (!isPlainObject(input)) {
        return { ok: false, errors: [{ path: "(root)", message: `expected a ${kind} object` }] };
      }
      const errors: FieldError[] = [];
      if (input.apiVersion !== GROUP_VERSION) {
        errors.push({
          path: "apiVersion",
          message: `must be ${GROUP_VERSION}, got ${JSON.stringify(input.apiVersion)}`,
        });
      }
      if (input.kind !== kind) {
        errors.push({
          path: "kind",
          message: `must be ${kind}, got ${JSON.stringify(input.kind)}`,
        });
      }
      const value = pruneNulls(schema, input);
      if (compiled.Check(value) && errors.length === 0) return { ok: true, value };
      const seen = new Set<string>();
      for (const e of compiled.Errors(value)) {
        const path = pointerToPath(e.path);
        if (seen.has(path)) continue;
        seen.add(path);
        errors.push({ path, message: e.message });
        if (errors.length >= MAX_ERRORS) break;
      }
      return { ok: false, errors };
    },
  };
}

export const rolloutParser = kindParser("Rollout", RolloutSchema);
export const analysisTemplateParser = kindParser("AnalysisTemplate", AnalysisTemplateSchema);
export const clusterAnalysisTemplateParser = kindParser(
  "ClusterAnalysisTemplate",
  ClusterAnalysisTemplateSchema,
);
export const analysisRunParser = kindParser("AnalysisRun", AnalysisRunSchema);
export const experimentParser = kindParser("Experiment", ExperimentSchema);

export const parseRollout = (u: unknown) => rolloutParser.parse(u);
export const parseAnalysisTemplate = (u: unknown) => analysisTemplateParser.parse(u);
export const parseClusterAnalysisTemplate = (u: unknown) => clusterAnalysisTemplateParser.parse(u);
export const parseAnalysisRun = (u: unknown) => analysisRunParser.parse(u);
export const parseExperiment = (u: unknown) => experimentParser.parse(u);

/** Parsers by kind, for code that reads mixed manifests (CLI lint, tests). */
export const parsersByKind: Readonly<Record<string, KindParser<unknown>>> = {
  Rollout: rolloutParser,
  AnalysisTemplate: analysisTemplateParser,
  ClusterAnalysisTemplate: clusterAnalysisTemplateParser,
  AnalysisRun: analysisRunParser,
  Experiment: experimentParser,
};

/**
 * One line for logs, events and CLI output, e.g.
 * `invalid Rollout default/web: spec.replicas: Expected integer; kind: must be Rollout, got "X"`.
 */
export function describeParseErrors(
  kind: string,
  input: unknown,
  errors: readonly FieldError[],
): string {
  let ref = "(unnamed)";
  if (isPlainObject(input) && isPlainObject(input.metadata)) {
    const { namespace, name } = input.metadata;
    const n = typeof name === "string" ? name : "(unnamed)";
    ref = typeof namespace === "string" && namespace !== "" ? `${namespace}/${n}` : n;
  }
  return `invalid ${kind} ${ref}: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`;
}
