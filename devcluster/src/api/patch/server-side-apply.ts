import { ApiError, badRequest } from "../errors.js";
import { timestamp } from "../metadata.js";
import type { ObjectApi, WriteOptions } from "../objects.js";
import { type ResourceType, storageKey } from "../registry.js";
import { deepClone, deepEqual, isObject, type JsonObject, type KubeObject } from "../types.js";
import { mergeKeyFor } from "./strategic-merge.js";

/**
 * Server-side apply (PATCH with `application/apply-patch+yaml`), for the fields appliers own.
 * Each field manager's applied fields are kept in `metadata.managedFields` (operation
 * `Apply`, FieldsV1 as the API server writes it). An apply sets the fields of its
 * configuration; removes the fields its manager applied before and no longer applies, unless
 * another manager applies them too; and refuses (409) to change a field another applier owns
 * with a different value, unless `force=true` moves the field to it. Lists merge by key where
 * the kind says so (containers by name... for built-in kinds, `x-kubernetes-list-type: map`
 * with `x-kubernetes-list-map-keys` in a CRD schema) and are otherwise one atomic field.
 *
 * Not tracked: fields written by create, update and patch (`Update` entries), so an apply
 * never conflicts with a controller or `kubectl edit`, and never removes what they wrote.
 */

type Path = string[];

/** Fields the API server never counts as owned: identity and server-set metadata. */
const UNOWNED_METADATA = [
  "name",
  "namespace",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "managedFields",
  "selfLink",
];

interface ListKeys {
  keysFor(path: Path, items: unknown[]): string[] | undefined;
}

function builtinListKeys(): ListKeys {
  return {
    keysFor(path, items) {
      const last = path[path.length - 1] ?? "";
      if (!last.startsWith("f:")) return undefined;
      const key = mergeKeyFor(last.slice(2), items);
      return key ? [key] : undefined;
    },
  };
}

function schemaListKeys(schema: JsonObject | undefined): ListKeys {
  return {
    keysFor(path) {
      let node: unknown = schema;
      for (const segment of path) {
        if (!isObject(node)) return undefined;
        if (segment.startsWith("f:")) {
          const properties = isObject(node.properties) ? node.properties : {};
          node = properties[segment.slice(2)] ?? node.additionalProperties;
        } else node = node.items;
      }
      if (!isObject(node) || node["x-kubernetes-list-type"] !== "map") return undefined;
      const keys = node["x-kubernetes-list-map-keys"];
      return Array.isArray(keys) && keys.every((k) => typeof k === "string") ? keys : undefined;
    },
  };
}

function itemSegment(item: JsonObject, keys: string[]): string {
  return `k:${JSON.stringify(Object.fromEntries(keys.map((key) => [key, item[key]])))}`;
}

function hasKeys(item: unknown, keys: string[]): item is JsonObject {
  return isObject(item) && keys.every((key) => item[key] !== undefined);
}

/** Every field a value sets, as paths; an atomic list or an empty object is one field. */
function collect(value: unknown, path: Path, lists: ListKeys, out: Map<string, Path>): void {
  if (isObject(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value))
      if (child !== null) collect(child, [...path, `f:${key}`], lists, out);
    return;
  }
  const keys = Array.isArray(value) ? lists.keysFor(path, value) : undefined;
  if (Array.isArray(value) && keys && value.every((item) => hasKeys(item, keys))) {
    for (const item of value as JsonObject[]) {
      const itemPath = [...path, itemSegment(item, keys)];
      out.set(JSON.stringify(itemPath), itemPath);
      for (const [key, child] of Object.entries(item))
        if (child !== null) collect(child, [...itemPath, `f:${key}`], lists, out);
    }
    return;
  }
  out.set(JSON.stringify(path), path);
}

function findItem(list: unknown[], segment: string): number {
  const wanted = JSON.parse(segment.slice(2)) as JsonObject;
  return list.findIndex(
    (item) => isObject(item) && Object.entries(wanted).every(([k, v]) => deepEqual(item[k], v)),
  );
}

function valueAt(obj: unknown, path: Path): unknown {
  let node = obj;
  for (const segment of path) {
    if (segment.startsWith("f:")) node = isObject(node) ? node[segment.slice(2)] : undefined;
    else node = Array.isArray(node) ? node[findItem(node, segment)] : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

function removeAt(obj: unknown, path: Path): void {
  const parent = valueAt(obj, path.slice(0, -1));
  const last = path[path.length - 1] ?? "";
  if (last.startsWith("f:") && isObject(parent)) delete parent[last.slice(2)];
  else if (Array.isArray(parent)) {
    const index = findItem(parent, last);
    if (index >= 0) parent.splice(index, 1);
  }
}

function merge(base: unknown, patch: unknown, path: Path, lists: ListKeys): unknown {
  if (isObject(patch) && isObject(base)) {
    const result: JsonObject = { ...base };
    for (const [key, value] of Object.entries(patch))
      if (value !== null) result[key] = merge(base[key], value, [...path, `f:${key}`], lists);
    return result;
  }
  if (Array.isArray(patch) && Array.isArray(base)) {
    const keys = lists.keysFor(path, [...base, ...patch]);
    if (!keys || ![...base, ...patch].every((item) => hasKeys(item, keys))) return deepClone(patch);
    const result = base.map((item) => deepClone(item));
    for (const item of patch as JsonObject[]) {
      const segment = itemSegment(item, keys);
      const index = findItem(result, segment);
      if (index >= 0) result[index] = merge(result[index], item, [...path, segment], lists);
      else result.push(deepClone(item));
    }
    return result;
  }
  return deepClone(patch);
}

/** FieldsV1: a tree of `f:`/`k:` keys, `{}` at owned leaves, `".": {}` for owned list items. */
function toFieldsV1(paths: Iterable<Path>): JsonObject {
  const root: JsonObject = {};
  for (const path of paths) {
    let node = root;
    for (const segment of path) {
      const child = isObject(node[segment]) ? (node[segment] as JsonObject) : {};
      node[segment] = child;
      node = child;
    }
    if ((path[path.length - 1] ?? "").startsWith("k:")) node["."] = {};
  }
  return root;
}

function fromFieldsV1(tree: unknown, path: Path, out: Map<string, Path>): void {
  if (!isObject(tree)) return;
  for (const [segment, child] of Object.entries(tree)) {
    if (segment === ".") {
      out.set(JSON.stringify(path), path);
      continue;
    }
    const childPath = [...path, segment];
    if (isObject(child) && Object.keys(child).length > 0) fromFieldsV1(child, childPath, out);
    else out.set(JSON.stringify(childPath), childPath);
  }
}

function display(path: Path): string {
  return path
    .map((segment) => {
      if (segment.startsWith("f:")) return `.${segment.slice(2)}`;
      const keys = JSON.parse(segment.slice(2)) as JsonObject;
      return `[${Object.entries(keys)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(",")}]`;
    })
    .join("");
}

function isPrefix(prefix: Path, path: Path): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => path[i] === segment);
}

interface ManagerEntry {
  entry: JsonObject;
  fields: Map<string, Path>;
}

export interface ApplyRequest {
  type: ResourceType;
  /** The stored object, or undefined: the apply then creates it. */
  existing: Record<string, unknown> | undefined;
  config: unknown;
  manager: string;
  force: boolean;
  now: string;
}

/** The object after the apply, with its managedFields; the caller creates or updates it. */
export function serverSideApply(request: ApplyRequest): Record<string, unknown> {
  const { type, manager, force } = request;
  if (!isObject(request.config)) throw badRequest("an apply patch must be an object");
  const apiVersion = type.group === "" ? type.version : `${type.group}/${type.version}`;
  const config = deepClone(request.config);
  // What the configuration owns: everything but identity, server-set metadata and (for kinds
  // with a status subresource) status, which an apply to the main resource does not touch.
  const owned = deepClone(config);
  delete owned.apiVersion;
  delete owned.kind;
  if (type.statusSubresource) delete owned.status;
  if (isObject(owned.metadata)) {
    for (const key of UNOWNED_METADATA) delete owned.metadata[key];
    if (Object.keys(owned.metadata).length === 0) delete owned.metadata;
  }
  const lists: ListKeys = type.builtin ? builtinListKeys() : schemaListKeys(type.schema);
  const applied = new Map<string, Path>();
  collect(owned, [], lists, applied);

  const base: Record<string, unknown> = request.existing
    ? deepClone(request.existing)
    : { apiVersion, kind: type.kind, metadata: {} };
  const metadata = isObject(base.metadata) ? base.metadata : {};
  const managers = new Map<string, ManagerEntry>();
  const others: JsonObject[] = [];
  for (const entry of Array.isArray(metadata.managedFields) ? metadata.managedFields : []) {
    if (!isObject(entry)) continue;
    if (entry.operation !== "Apply" || typeof entry.manager !== "string") {
      others.push(entry);
      continue;
    }
    const fields = new Map<string, Path>();
    fromFieldsV1(entry.fieldsV1, [], fields);
    managers.set(entry.manager, { entry, fields });
  }

  const conflicts: Array<{ manager: string; path: Path }> = [];
  for (const [name, other] of managers) {
    if (name === manager) continue;
    for (const [id, path] of applied) {
      if (!other.fields.has(id)) continue;
      // Owning a list item or an empty object means owning its presence: only fields with
      // values can conflict.
      if ((path[path.length - 1] ?? "").startsWith("k:")) continue;
      const mine = valueAt(owned, path);
      if (isObject(mine) && Object.keys(mine).length === 0) continue;
      if (deepEqual(valueAt(base, path), mine)) continue;
      if (force) other.fields.delete(id);
      else conflicts.push({ manager: name, path });
    }
  }
  if (conflicts.length > 0) {
    const lines = conflicts.map((c) => `conflict with "${c.manager}": ${display(c.path)}`);
    throw new ApiError(
      409,
      "Conflict",
      `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? "" : "s"}: ${lines.join("; ")}`,
      {
        name: String(isObject(config.metadata) ? (config.metadata.name ?? "") : ""),
        group: type.group,
        kind: type.plural,
        causes: conflicts.map((c) => ({
          reason: "FieldManagerConflict",
          message: `conflict with "${c.manager}"`,
          field: display(c.path),
        })),
      },
    );
  }

  // Fields this manager applied before and leaves out now go, unless another applier holds
  // them (or something inside them).
  const previous = managers.get(manager)?.fields ?? new Map<string, Path>();
  const held = [...managers]
    .filter(([name]) => name !== manager)
    .flatMap(([, other]) => [...other.fields.values()]);
  const dropped = [...previous]
    .filter(([id]) => !applied.has(id))
    .map(([, path]) => path)
    .filter((path) => !held.some((other) => isPrefix(path, other)));
  // A dropped list item goes whole: its own dropped fields need no separate removal (and
  // removing its key fields first would leave the item impossible to find).
  const removed = dropped.filter(
    (path) => !dropped.some((other) => other.length < path.length && isPrefix(other, path)),
  );
  let result = merge(base, owned, [], lists) as Record<string, unknown>;
  for (const path of removed) removeAt(result, path);
  result = { ...result, apiVersion, kind: type.kind };

  // The entry's time moves only when what the manager owns changes, so an apply that
  // changes nothing leaves the object as it was (and writes nothing).
  const before = managers.get(manager);
  const sameFields =
    before !== undefined &&
    deepEqual(toFieldsV1(before.fields.values()), toFieldsV1(applied.values()));
  managers.set(manager, {
    entry: {
      manager,
      operation: "Apply",
      apiVersion,
      ...(sameFields && before.entry.time !== undefined ? { time: before.entry.time } : {}),
    },
    fields: applied,
  });
  const managedFields: JsonObject[] = [...others];
  for (const [name, { entry, fields }] of managers) {
    if (fields.size === 0) continue;
    managedFields.push({
      manager: name,
      operation: "Apply",
      apiVersion: typeof entry.apiVersion === "string" ? entry.apiVersion : apiVersion,
      time: entry.time ?? request.now,
      fieldsType: "FieldsV1",
      fieldsV1: toFieldsV1(fields.values()),
    });
  }
  const resultMetadata = isObject(result.metadata) ? result.metadata : {};
  resultMetadata.managedFields = managedFields;
  result.metadata = resultMetadata;
  return result;
}

/** Serves a server-side apply: creates the object or updates it through the API's checks. */
export function applyObject(
  api: ObjectApi,
  type: ResourceType,
  namespace: string,
  name: string,
  config: unknown,
  options: WriteOptions,
): KubeObject {
  const manager = options.fieldManager;
  if (manager === undefined || manager === "")
    throw badRequest(
      "PATCH with application/apply-patch+yaml needs a fieldManager query parameter",
    );
  if (isObject(config) && isObject(config.metadata)) {
    const given = config.metadata.name;
    if (given !== undefined && given !== name) {
      throw badRequest(
        `the name of the object (${String(given)}) does not match the name on the URL (${name})`,
      );
    }
  }
  const existing = api.store.get(storageKey(type), type.namespaced ? namespace : "", name);
  const result = serverSideApply({
    type,
    existing: existing ? api.copy(type, namespace, name) : undefined,
    config,
    manager,
    force: options.force === true,
    now: timestamp(new Date()),
  });
  const metadata = isObject(result.metadata) ? result.metadata : {};
  metadata.name = name;
  if (type.namespaced) metadata.namespace = namespace;
  result.metadata = metadata;
  return existing
    ? api.update(type, namespace, name, result, options)
    : api.create(type, namespace, result, options);
}
