import { badRequest } from "./errors.js";
import { getPath, type KubeObject } from "./types.js";

type LabelOperator = "=" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

export type LabelSelector = LabelRequirement[];

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of text) {
    if (char === "(") depth++;
    if (char === ")") depth--;
    if (char === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += char;
  }
  parts.push(current);
  return parts;
}

function checkKey(key: string, selector: string): string {
  if (!KEY.test(key) || key.length > 316) {
    throw badRequest(
      `unable to parse requirement: invalid label key "${key}" in selector "${selector}"`,
    );
  }
  return key;
}

function checkValue(value: string, selector: string): string {
  if (!VALUE.test(value) || value.length > 63) {
    throw badRequest(
      `unable to parse requirement: invalid label value "${value}" in selector "${selector}"`,
    );
  }
  return value;
}

/** Parses `a=b,c!=d,e in (f,g),h notin (i),j,!k` (the labelSelector query syntax). */
export function parseLabelSelector(text: string): LabelSelector {
  const requirements: LabelRequirement[] = [];
  if (text.trim() === "") return requirements;
  for (const rawPart of splitTopLevel(text)) {
    const part = rawPart.trim();
    if (part === "")
      throw badRequest(`unable to parse requirement: empty requirement in selector "${text}"`);
    const setMatch = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part);
    if (setMatch) {
      const [, key = "", operator = "in", list = ""] = setMatch;
      const values = list
        .split(",")
        .map((v) => v.trim())
        .map((v) => checkValue(v, text));
      requirements.push({ key: checkKey(key, text), operator: operator as LabelOperator, values });
      continue;
    }
    const compareMatch = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(\S*)$/.exec(part);
    if (compareMatch) {
      const [, key = "", symbol = "=", value = ""] = compareMatch;
      const operator: LabelOperator =
        symbol === "!=" ? "!=" : symbol === ">" ? "gt" : symbol === "<" ? "lt" : "=";
      if ((operator === "gt" || operator === "lt") && !/^-?\d+$/.test(value)) {
        throw badRequest(
          `unable to parse requirement: for 'gt', 'lt' operators, the value must be an integer in selector "${text}"`,
        );
      }
      requirements.push({ key: checkKey(key, text), operator, values: [checkValue(value, text)] });
      continue;
    }
    const notExists = /^!\s*(\S+)$/.exec(part);
    if (notExists) {
      requirements.push({ key: checkKey(notExists[1] ?? "", text), operator: "!", values: [] });
      continue;
    }
    if (/^\S+$/.test(part)) {
      requirements.push({ key: checkKey(part, text), operator: "exists", values: [] });
      continue;
    }
    throw badRequest(
      `unable to parse requirement: cannot parse "${part}" in label selector "${text}"`,
    );
  }
  return requirements;
}

export function matchesLabels(
  selector: LabelSelector,
  labels: Record<string, string> | undefined,
): boolean {
  for (const requirement of selector) {
    const value = labels?.[requirement.key];
    switch (requirement.operator) {
      case "=":
        if (value !== requirement.values[0]) return false;
        break;
      case "!=":
        if (value === requirement.values[0]) return false;
        break;
      case "in":
        if (value === undefined || !requirement.values.includes(value)) return false;
        break;
      case "notin":
        if (value !== undefined && requirement.values.includes(value)) return false;
        break;
      case "exists":
        if (value === undefined) return false;
        break;
      case "!":
        if (value !== undefined) return false;
        break;
      case "gt":
      case "lt": {
        if (value === undefined || !/^-?\d+$/.test(value)) return false;
        const bound = Number(requirement.values[0]);
        if (requirement.operator === "gt" ? !(Number(value) > bound) : !(Number(value) < bound))
          return false;
        break;
      }
    }
  }
  return true;
}

/** A structured selector (`matchLabels` / `matchExpressions`) as in a ReplicaSet spec. */
export function selectorFromStructured(selector: unknown): LabelSelector | undefined {
  if (typeof selector !== "object" || selector === null) return undefined;
  const result: LabelSelector = [];
  const { matchLabels, matchExpressions } = selector as {
    matchLabels?: unknown;
    matchExpressions?: unknown;
  };
  if (typeof matchLabels === "object" && matchLabels !== null) {
    for (const [key, value] of Object.entries(matchLabels))
      result.push({ key, operator: "=", values: [String(value)] });
  }
  if (Array.isArray(matchExpressions)) {
    for (const expression of matchExpressions as Array<{
      key?: unknown;
      operator?: unknown;
      values?: unknown;
    }>) {
      const key = String(expression.key ?? "");
      const values = Array.isArray(expression.values) ? expression.values.map(String) : [];
      const op = String(expression.operator ?? "");
      const operator: LabelOperator =
        op === "In"
          ? "in"
          : op === "NotIn"
            ? "notin"
            : op === "Exists"
              ? "exists"
              : op === "DoesNotExist"
                ? "!"
                : "in";
      result.push({ key, operator, values });
    }
  }
  return result;
}

/** The string form used in `status.selector` for scale subresources. */
export function selectorToString(selector: LabelSelector): string {
  return selector
    .map((r) => {
      if (r.operator === "=") return `${r.key}=${r.values[0] ?? ""}`;
      if (r.operator === "!=") return `${r.key}!=${r.values[0] ?? ""}`;
      if (r.operator === "in" || r.operator === "notin")
        return `${r.key} ${r.operator} (${r.values.join(",")})`;
      if (r.operator === "exists") return r.key;
      if (r.operator === "!") return `!${r.key}`;
      return `${r.key}${r.operator === "gt" ? ">" : "<"}${r.values[0] ?? ""}`;
    })
    .join(",");
}

interface FieldRequirement {
  path: string[];
  field: string;
  negate: boolean;
  value: string;
}

export type FieldSelector = FieldRequirement[];

/** Parses `metadata.name=x,status.phase!=Running`; only fields the resource supports. */
export function parseFieldSelector(
  text: string,
  supported: readonly string[],
  resource: string,
): FieldSelector {
  const result: FieldSelector = [];
  if (text.trim() === "") return result;
  for (const rawPart of text.split(",")) {
    const part = rawPart.trim();
    const match = /^([A-Za-z0-9_.\-/]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!match) throw badRequest(`invalid field selector "${text}": cannot parse "${part}"`);
    const [, field = "", operator = "=", value = ""] = match;
    if (field !== "metadata.name" && field !== "metadata.namespace" && !supported.includes(field)) {
      throw badRequest(`field label not supported: ${field} (for ${resource})`);
    }
    result.push({ path: field.split("."), field, negate: operator === "!=", value });
  }
  return result;
}

export function matchesFields(selector: FieldSelector, obj: KubeObject): boolean {
  for (const requirement of selector) {
    const raw = getPath(obj, requirement.path);
    const value = raw === undefined || raw === null ? "" : String(raw);
    if ((value === requirement.value) === requirement.negate) return false;
  }
  return true;
}
