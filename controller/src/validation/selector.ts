// Label selector evaluation (Kubernetes semantics) for validation.
import type { LabelSelector } from "../api/common.js";

const OPERATORS = new Set(["In", "NotIn", "Exists", "DoesNotExist"]);

/** Index of the first matchExpression with an unknown operator, or -1. */
export function invalidSelectorExpression(selector: LabelSelector): number {
  return (selector.matchExpressions ?? []).findIndex((e) => !OPERATORS.has(e.operator));
}

export function selectorIsEmpty(selector: LabelSelector): boolean {
  return (
    Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length === 0
  );
}

export function selectorMatches(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>>,
): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const values = e.values ?? [];
    switch (e.operator) {
      case "In":
        if (!has || value === undefined || !values.includes(value)) return false;
        break;
      case "NotIn":
        if (has && value !== undefined && values.includes(value)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
