/** A Kubernetes `Status` failure, thrown inside devcluster and written as the response. */
export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

export interface ResourceRef {
  group: string;
  plural: string;
}

function resourceName(ref: ResourceRef): string {
  return ref.group === "" ? ref.plural : `${ref.plural}.${ref.group}`;
}

export function notFound(ref: ResourceRef, name: string): ApiError {
  return new ApiError(404, "NotFound", `${resourceName(ref)} "${name}" not found`, {
    name,
    group: ref.group,
    kind: ref.plural,
  });
}

export function alreadyExists(ref: ResourceRef, name: string): ApiError {
  return new ApiError(409, "AlreadyExists", `${resourceName(ref)} "${name}" already exists`, {
    name,
    group: ref.group,
    kind: ref.plural,
  });
}

export function conflict(ref: ResourceRef, name: string, why: string): ApiError {
  return new ApiError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${resourceName(ref)} "${name}": ${why}`,
    { name, group: ref.group, kind: ref.plural },
  );
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, "BadRequest", message);
}

export interface FieldError {
  type:
    | "FieldValueRequired"
    | "FieldValueInvalid"
    | "FieldValueNotSupported"
    | "FieldValueTypeInvalid"
    | "FieldValueForbidden"
    | "FieldValueTooLong"
    | "FieldValueDuplicate"
    | "FieldValueTooMany";
  field: string;
  /** The text after the field, e.g. `Invalid value: "x": must be ...` or `Required value`. */
  detail: string;
}

function quoteValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || value === undefined) return "null";
  if (typeof value === "object")
    return `"${typeof value === "object" && Array.isArray(value) ? "array" : "object"}"`;
  return String(value);
}

export function invalidValue(field: string, value: unknown, why: string): FieldError {
  return {
    type: "FieldValueInvalid",
    field,
    detail: `Invalid value: ${quoteValue(value)}: ${why}`,
  };
}

export function typeInvalid(field: string, value: unknown, why: string): FieldError {
  return {
    type: "FieldValueTypeInvalid",
    field,
    detail: `Invalid value: ${quoteValue(value)}: ${why}`,
  };
}

export function requiredValue(field: string): FieldError {
  return { type: "FieldValueRequired", field, detail: "Required value" };
}

export function unsupportedValue(field: string, value: unknown, allowed: unknown[]): FieldError {
  return {
    type: "FieldValueNotSupported",
    field,
    detail: `Unsupported value: ${quoteValue(value)}: supported values: ${allowed.map(quoteValue).join(", ")}`,
  };
}

export function forbidden(field: string, why: string): FieldError {
  return { type: "FieldValueForbidden", field, detail: `Forbidden: ${why}` };
}

/** 422 Invalid worded as the API server words it: `Kind.group "name" is invalid: [...]`. */
export function invalid(kind: string, group: string, name: string, errors: FieldError[]): ApiError {
  const qualified = group === "" ? kind : `${kind}.${group}`;
  const parts = errors.map((e) => `${e.field}: ${e.detail}`);
  const summary = parts.length === 1 ? parts[0] : `[${parts.join(", ")}]`;
  return new ApiError(422, "Invalid", `${qualified} "${name}" is invalid: ${summary}`, {
    name,
    group,
    kind,
    causes: errors.map((e) => ({ reason: e.type, message: e.detail, field: e.field })),
  });
}
