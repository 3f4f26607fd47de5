import { randomBytes, randomUUID } from "node:crypto";
import { type FieldError, invalidValue, requiredValue } from "./errors.js";
import { isObject, type KubeObject, type ObjectMeta } from "./types.js";

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** The alphabet Kubernetes uses for generated suffixes (no vowels, no look-alike digits). */
const SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export function randomSuffix(length = 5): string {
  const bytes = randomBytes(length);
  let result = "";
  for (const byte of bytes) result += SUFFIX_ALPHABET[byte % SUFFIX_ALPHABET.length];
  return result;
}

/** Names that must be DNS labels rather than subdomains. */
const LABEL_NAMED = new Set(["namespaces", "services"]);

export function validateMetadata(plural: string, metadata: ObjectMeta): FieldError[] {
  const errors: FieldError[] = [];
  const name = metadata.name;
  if (name === undefined || name === "") errors.push(requiredValue("metadata.name"));
  else if (LABEL_NAMED.has(plural)) {
    if (!LABEL.test(name) || name.length > 63)
      errors.push(invalidValue("metadata.name", name, LABEL_MESSAGE));
  } else if (!SUBDOMAIN.test(name) || name.length > 253) {
    errors.push(invalidValue("metadata.name", name, SUBDOMAIN_MESSAGE));
  }
  for (const [field, map] of [
    ["metadata.labels", metadata.labels],
    ["metadata.annotations", metadata.annotations],
  ] as const) {
    if (map === undefined) continue;
    if (!isObject(map)) {
      errors.push(invalidValue(field, map, "must be a map of string keys to string values"));
      continue;
    }
    for (const [key, value] of Object.entries(map)) {
      if (!QUALIFIED_NAME.test(key)) {
        errors.push(
          invalidValue(
            field,
            key,
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
          ),
        );
      }
      if (typeof value !== "string")
        errors.push(invalidValue(`${field}[${key}]`, value, "must be a string"));
      else if (field === "metadata.labels" && (!LABEL_VALUE.test(value) || value.length > 63)) {
        errors.push(
          invalidValue(
            `${field}`,
            value,
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
          ),
        );
      }
    }
  }
  return errors;
}

/** Fills in server-owned metadata on create. */
export function initializeMetadata(obj: KubeObject, now: Date): void {
  const metadata = obj.metadata;
  if ((metadata.name === undefined || metadata.name === "") && metadata.generateName) {
    metadata.name = `${metadata.generateName}${randomSuffix()}`;
  }
  metadata.uid = randomUUID();
  metadata.creationTimestamp = timestamp(now);
  metadata.generation = 1;
  delete metadata.deletionTimestamp;
  delete metadata.deletionGracePeriodSeconds;
  delete metadata.selfLink;
  delete metadata.managedFields;
}

export function timestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
