import {
  type FieldError,
  invalidValue,
  requiredValue,
  typeInvalid,
  unsupportedValue,
} from "../errors.js";
import { deepClone, deepEqual, isObject, type JsonObject } from "../types.js";

/**
 * Validation, pruning and defaulting of a custom resource against its CRD's
 * `openAPIV3Schema`, with error paths and wording as the API server reports them
 * (`spec.replicas: Invalid value: "x": spec.replicas in body must be of type integer: "string"`).
 */

function childPath(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function schemaOf(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}

function matchesType(value: unknown, type: string): boolean {
  switch (type) {
    case "object":
      return isObject(value);
    case "array":
      return Array.isArray(value);
    case "string":
      return typeof value === "string";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number";
    case "boolean":
      return typeof value === "boolean";
    default:
      return true;
  }
}

/** Removes fields the schema does not declare and fills in `default`s, in place. */
export function pruneAndDefault(
  value: unknown,
  schemaValue: unknown,
  isRoot = false,
  path = "",
  pruned: string[] = [],
): unknown {
  const schema = schemaOf(schemaValue);
  if (Array.isArray(value)) {
    if (schema.items !== undefined) {
      for (let i = 0; i < value.length; i++)
        value[i] = pruneAndDefault(value[i], schema.items, false, `${path}[${i}]`, pruned);
    }
    return value;
  }
  if (!isObject(value)) return value;
  const properties = isObject(schema.properties) ? schema.properties : undefined;
  const preserve = schema["x-kubernetes-preserve-unknown-fields"] === true;
  const embedded = schema["x-kubernetes-embedded-resource"] === true;
  const additional = schema.additionalProperties;
  if (properties) {
    for (const [key, propertySchema] of Object.entries(properties)) {
      const property = schemaOf(propertySchema);
      if (value[key] === undefined && property.default !== undefined)
        value[key] = deepClone(property.default);
    }
  }
  for (const key of Object.keys(value)) {
    const keep = isRoot || embedded ? ["apiVersion", "kind", "metadata"].includes(key) : false;
    if (isRoot && key === "metadata") continue;
    const propertySchema = properties?.[key];
    const here = childPath(path, key);
    if (propertySchema !== undefined)
      value[key] = pruneAndDefault(value[key], propertySchema, false, here, pruned);
    else if (isObject(additional))
      value[key] = pruneAndDefault(value[key], additional, false, here, pruned);
    else if (!keep && !preserve && additional !== true) {
      pruned.push(here);
      delete value[key];
    }
  }
  return value;
}

function validateNumber(
  value: number,
  schema: JsonObject,
  path: string,
  errors: FieldError[],
): void {
  if (typeof schema.minimum === "number") {
    const exclusive = schema.exclusiveMinimum === true;
    if (exclusive ? value <= schema.minimum : value < schema.minimum) {
      errors.push(
        invalidValue(
          path,
          value,
          `${path} in body should be greater than ${exclusive ? "" : "or equal to "}${schema.minimum}`,
        ),
      );
    }
  }
  if (typeof schema.maximum === "number") {
    const exclusive = schema.exclusiveMaximum === true;
    if (exclusive ? value >= schema.maximum : value > schema.maximum) {
      errors.push(
        invalidValue(
          path,
          value,
          `${path} in body should be less than ${exclusive ? "" : "or equal to "}${schema.maximum}`,
        ),
      );
    }
  }
  if (
    typeof schema.multipleOf === "number" &&
    schema.multipleOf !== 0 &&
    value % schema.multipleOf !== 0
  ) {
    errors.push(
      invalidValue(path, value, `${path} in body should be a multiple of ${schema.multipleOf}`),
    );
  }
}

function validateString(
  value: string,
  schema: JsonObject,
  path: string,
  errors: FieldError[],
): void {
  if (typeof schema.maxLength === "number" && value.length > schema.maxLength) {
    errors.push({
      type: "FieldValueTooLong",
      field: path,
      detail: `Too long: may not be more than ${schema.maxLength} bytes`,
    });
  }
  if (typeof schema.minLength === "number" && value.length < schema.minLength) {
    errors.push(
      invalidValue(
        path,
        value,
        `${path} in body should be at least ${schema.minLength} chars long`,
      ),
    );
  }
  if (typeof schema.pattern === "string") {
    let pattern: RegExp | undefined;
    try {
      pattern = new RegExp(schema.pattern, "u");
    } catch {
      pattern = undefined;
    }
    if (pattern && !pattern.test(value)) {
      errors.push(invalidValue(path, value, `${path} in body should match '${schema.pattern}'`));
    }
  }
}

export function validateValue(
  value: unknown,
  schemaValue: unknown,
  path: string,
  errors: FieldError[],
): void {
  const schema = schemaOf(schemaValue);
  if (value === null) {
    if (
      schema.nullable === true ||
      (schema["x-kubernetes-preserve-unknown-fields"] === true && schema.type === undefined)
    )
      return;
    if (typeof schema.type === "string") {
      errors.push(
        typeInvalid(path, "null", `${path} in body must be of type ${schema.type}: "null"`),
      );
    }
    return;
  }
  if (schema["x-kubernetes-int-or-string"] === true) {
    if (!(typeof value === "string" || (typeof value === "number" && Number.isInteger(value)))) {
      errors.push(
        typeInvalid(
          path,
          typeName(value),
          `${path} in body must be of type integer or string: "${typeName(value)}"`,
        ),
      );
      return;
    }
  } else if (typeof schema.type === "string" && !matchesType(value, schema.type)) {
    errors.push(
      typeInvalid(
        path,
        typeName(value),
        `${path} in body must be of type ${schema.type}: "${typeName(value)}"`,
      ),
    );
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => deepEqual(allowed, value))) {
    errors.push(unsupportedValue(path, value, schema.enum));
  }
  if (typeof value === "number") validateNumber(value, schema, path, errors);
  if (typeof value === "string") validateString(value, schema, path, errors);
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) {
      errors.push({
        type: "FieldValueTooMany",
        field: path,
        detail: `Too many: ${value.length}: must have at most ${schema.maxItems} items`,
      });
    }
    if (typeof schema.minItems === "number" && value.length < schema.minItems) {
      errors.push(
        invalidValue(path, value, `${path} in body should have at least ${schema.minItems} items`),
      );
    }
    if (schema.items !== undefined) {
      value.forEach((item, index) => {
        validateValue(item, schema.items, `${path}[${index}]`, errors);
      });
    }
  }
  if (isObject(value)) {
    if (Array.isArray(schema.required)) {
      for (const key of schema.required) {
        if (typeof key === "string" && value[key] === undefined)
          errors.push(requiredValue(childPath(path, key)));
      }
    }
    const properties = isObject(schema.properties) ? schema.properties : {};
    for (const [key, item] of Object.entries(value)) {
      if (path === "" && key === "metadata") continue;
      const propertySchema =
        properties[key] ??
        (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
      if (propertySchema !== undefined)
        validateValue(item, propertySchema, childPath(path, key), errors);
    }
  }
  for (const keyword of ["allOf", "anyOf", "oneOf"] as const) {
    const options = schema[keyword];
    if (!Array.isArray(options)) continue;
    const results = options.map((option) => {
      const optionErrors: FieldError[] = [];
      validateValue(value, option, path, optionErrors);
      return optionErrors;
    });
    if (keyword === "allOf") for (const r of results) errors.push(...r);
    if (keyword === "anyOf" && !results.some((r) => r.length === 0))
      errors.push(...(results[0] ?? []));
    if (keyword === "oneOf" && results.filter((r) => r.length === 0).length !== 1) {
      errors.push(
        invalidValue(path, value, `${path} in body must validate one and only one schema (oneOf)`),
      );
    }
  }
  if (schema.not !== undefined) {
    const notErrors: FieldError[] = [];
    validateValue(value, schema.not, path, notErrors);
    if (notErrors.length === 0)
      errors.push(
        invalidValue(path, value, `${path} in body should not be valid against the "not" schema`),
      );
  }
}

/** Validates a whole custom resource (metadata is checked separately). */
export function validateCustomResource(obj: unknown, schema: JsonObject | undefined): FieldError[] {
  const errors: FieldError[] = [];
  if (schema) validateValue(obj, schema, "", errors);
  return errors;
}
