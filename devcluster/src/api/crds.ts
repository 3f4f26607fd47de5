import { type FieldError, invalidValue, requiredValue, unsupportedValue } from "./errors.js";
import type { PrinterColumn, ResourceType, ScaleSubresource } from "./registry.js";
import { isObject, type JsonObject, type KubeObject } from "./types.js";

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The 422 field errors for a CustomResourceDefinition (the subset devcluster relies on). */
export function validateCrd(obj: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const spec = isObject(obj.spec) ? obj.spec : undefined;
  if (!spec) return [requiredValue("spec")];
  const group = text(spec.group);
  const names = isObject(spec.names) ? spec.names : {};
  const plural = text(names.plural);
  if (!group) errors.push(requiredValue("spec.group"));
  if (!plural) errors.push(requiredValue("spec.names.plural"));
  if (!text(names.kind)) errors.push(requiredValue("spec.names.kind"));
  if (spec.scope !== "Namespaced" && spec.scope !== "Cluster") {
    errors.push(unsupportedValue("spec.scope", spec.scope ?? "", ["Cluster", "Namespaced"]));
  }
  if (group && plural && obj.metadata.name !== `${plural}.${group}`) {
    errors.push(
      invalidValue(
        "metadata.name",
        obj.metadata.name ?? "",
        'must be spec.names.plural+"."+spec.group',
      ),
    );
  }
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0) errors.push(requiredValue("spec.versions"));
  let storage = 0;
  versions.forEach((version, index) => {
    if (!isObject(version) || !text(version.name))
      errors.push(requiredValue(`spec.versions[${index}].name`));
    else if (version.storage === true) storage++;
  });
  if (versions.length > 0 && storage !== 1) {
    errors.push(
      invalidValue(
        "spec.versions",
        versions.length,
        "must have exactly one version marked as storage version",
      ),
    );
  }
  return errors;
}

function scaleOf(value: unknown): ScaleSubresource | undefined {
  if (!isObject(value)) return undefined;
  const spec = text(value.specReplicasPath);
  const status = text(value.statusReplicasPath);
  if (!spec || !status) return undefined;
  const selector = text(value.labelSelectorPath);
  return {
    specReplicasPath: spec,
    statusReplicasPath: status,
    ...(selector ? { labelSelectorPath: selector } : {}),
  };
}

function columnsOf(value: unknown): PrinterColumn[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const columns: PrinterColumn[] = [];
  for (const column of value) {
    if (!isObject(column) || !text(column.name) || !text(column.jsonPath)) continue;
    columns.push({
      name: String(column.name),
      type: text(column.type) ?? "string",
      jsonPath: String(column.jsonPath),
      ...(text(column.description) ? { description: String(column.description) } : {}),
      ...(text(column.format) ? { format: String(column.format) } : {}),
      ...(typeof column.priority === "number" ? { priority: column.priority } : {}),
    });
  }
  return columns;
}

/** The resource types a (validated) CRD serves, one per served version. */
export function resourceTypesOf(crd: KubeObject): ResourceType[] {
  const spec = isObject(crd.spec) ? crd.spec : {};
  const names = isObject(spec.names) ? spec.names : {};
  const plural = text(names.plural) ?? "";
  const kind = text(names.kind) ?? "";
  const stringList = (value: unknown): string[] =>
    Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  const types: ResourceType[] = [];
  for (const version of Array.isArray(spec.versions) ? spec.versions : []) {
    if (!isObject(version) || version.served === false || !text(version.name)) continue;
    const subresources = isObject(version.subresources) ? version.subresources : {};
    const schema =
      isObject(version.schema) && isObject(version.schema.openAPIV3Schema)
        ? version.schema.openAPIV3Schema
        : undefined;
    const scale = scaleOf(subresources.scale);
    const printerColumns = columnsOf(version.additionalPrinterColumns);
    types.push({
      group: text(spec.group) ?? "",
      version: String(version.name),
      plural,
      singular: text(names.singular) ?? kind.toLowerCase(),
      kind,
      namespaced: spec.scope !== "Cluster",
      shortNames: stringList(names.shortNames),
      categories: stringList(names.categories),
      statusSubresource: subresources.status !== undefined,
      builtin: false,
      ...(scale ? { scale } : {}),
      ...(schema ? { schema: schema as JsonObject } : {}),
      ...(printerColumns ? { printerColumns } : {}),
    });
  }
  return types;
}

/** The status the API server reports once a CRD is established (served at once here). */
export function establishedStatus(crd: KubeObject, now: string): JsonObject {
  const spec = isObject(crd.spec) ? crd.spec : {};
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  const storage = versions.find((v) => isObject(v) && v.storage === true);
  const condition = (type: string, reason: string, message: string): JsonObject => ({
    type,
    status: "True",
    lastTransitionTime: now,
    reason,
    message,
  });
  return {
    conditions: [
      condition("NamesAccepted", "NoConflicts", "no conflicts found"),
      condition("Established", "InitialNamesAccepted", "the initial names have been accepted"),
    ],
    acceptedNames: spec.names ?? {},
    storedVersions: isObject(storage) && typeof storage.name === "string" ? [storage.name] : [],
  };
}
