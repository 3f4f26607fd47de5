// The result shape of validation and its rendering in the Kubernetes field-error style the
// original uses for the InvalidSpec condition (spec/rollout-behavior.md §2.2, §8).
import type { AnalysisTemplate } from "../api/analysis.js";
import type { LabelSelector, PodTemplateSpec } from "../api/common.js";

/** Kubernetes field error kinds; they only change how the message is rendered. */
export type FieldErrorType =
  | "Invalid"
  | "Required"
  | "Duplicate"
  | "Forbidden"
  | "NotSupported"
  | "NotFound"
  | "InternalError";

export interface ValidationError {
  /** Dotted path of the offending field, e.g. `spec.strategy.canary.steps[0].setWeight`. */
  field: string;
  /** The check's message, as spec §8 words it where it gives one. */
  message: string;
  type: FieldErrorType;
  /** The offending value, shown in the rendered message for Invalid/NotSupported errors. */
  value?: unknown;
}

/**
 * What validation needs from the cluster. Every field is optional: a check whose data is
 * absent is skipped (e.g. `lint` on files without a cluster), never failed.
 * Objects are the API server's JSON as read from caches; they are read defensively.
 */
export interface ValidationContext {
  /** Services in the Rollout's namespace, by name. */
  services?: ReadonlyMap<string, unknown>;
  analysisTemplates?: ReadonlyMap<string, AnalysisTemplate>;
  clusterAnalysisTemplates?: ReadonlyMap<string, AnalysisTemplate>;
  /** Ingresses in the Rollout's namespace, by name (networking.k8s.io/v1 shape). */
  ingresses?: ReadonlyMap<string, unknown>;
  /** Istio VirtualServices by name (`name` or `name.namespace` as written in the Rollout). */
  virtualServices?: ReadonlyMap<string, unknown>;
  /** Ambassador Mappings by name. */
  ambassadorMappings?: ReadonlyMap<string, unknown>;
  /** Template and selector read from spec.workloadRef's object, when the Rollout uses one. */
  workload?: { template?: PodTemplateSpec; selector?: LabelSelector };
}

export function formatValue(value: unknown): string {
  if (value === undefined) return "null";
  try {
    return JSON.stringify(value) ?? "null";
  } catch {
    return String(value);
  }
}

/** `spec.x: Invalid value: 150: SetWeight needs to be between 0 and 100` */
export function formatFieldError(e: ValidationError): string {
  switch (e.type) {
    case "Required":
      return `${e.field}: Required value: ${e.message}`;
    case "Duplicate":
      return `${e.field}: Duplicate value: ${e.message}`;
    case "Forbidden":
      return `${e.field}: Forbidden: ${e.message}`;
    case "InternalError":
      return `${e.field}: Internal error: ${e.message}`;
    case "NotFound":
      return `${e.field}: Not found: ${e.message}`;
    case "NotSupported":
      return `${e.field}: Unsupported value: ${formatValue(e.value)}: ${e.message}`;
    default:
      return `${e.field}: Invalid value: ${formatValue(e.value)}: ${e.message}`;
  }
}

/** Message of the InvalidSpec condition: `The Rollout "web" is invalid: <field error>`. */
export function invalidSpecMessage(rolloutName: string, e: ValidationError): string {
  return `The Rollout "${rolloutName}" is invalid: ${formatFieldError(e)}`;
}

export type Checks = Generator<ValidationError, void, undefined>;

export const invalid = (field: string, value: unknown, message: string): ValidationError => ({
  field,
  message,
  type: "Invalid",
  value,
});
export const required = (field: string, message: string): ValidationError => ({
  field,
  message,
  type: "Required",
});
