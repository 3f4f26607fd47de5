import { isObject } from "../api/types.js";

/**
 * The JSONPath subset CRD printer columns use: `.spec.replicas`, `.status.items[0].name`,
 * `.status.conditions[?(@.type=="Ready")].status`. Returns the first match.
 */
export function evaluateJsonPath(root: unknown, path: string): unknown {
  let expression = path.trim();
  if (expression.startsWith("{") && expression.endsWith("}")) expression = expression.slice(1, -1);
  if (expression.startsWith("$")) expression = expression.slice(1);
  const tokens = expression.match(/\.[^.[\]]+|\[[^\]]*\]/g) ?? [];
  let current: unknown = root;
  for (const token of tokens) {
    if (current === undefined || current === null) return undefined;
    if (token.startsWith(".")) {
      current = isObject(current) ? current[token.slice(1)] : undefined;
      continue;
    }
    const inner = token.slice(1, -1);
    const filter = /^\?\(@\.([\w.-]+)\s*==\s*["']?([^"']*)["']?\)$/.exec(inner);
    if (filter && Array.isArray(current)) {
      const [, field = "", value = ""] = filter;
      current = current.find((item) => isObject(item) && String(item[field]) === value);
    } else if (/^-?\d+$/.test(inner) && Array.isArray(current)) {
      const index = Number(inner);
      current = current[index < 0 ? current.length + index : index];
    } else if (/^['"].*['"]$/.test(inner) && isObject(current)) {
      current = current[inner.slice(1, -1)];
    } else return undefined;
  }
  return current;
}
