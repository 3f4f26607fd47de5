import { ApiError } from "../errors.js";
import { deepClone, deepEqual, isObject } from "../types.js";

/** RFC 6902 JSON Patch. Failures are 422 as the API server answers them. */
function fail(message: string): never {
  throw new ApiError(
    422,
    "Invalid",
    `the server rejected our request due to an error in our request: ${message}`,
  );
}

function parsePointer(pointer: unknown): string[] {
  if (typeof pointer !== "string") fail("json patch: path must be a string");
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) fail(`json patch: path "${pointer}" must start with "/"`);
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function resolveParent(
  document: unknown,
  segments: string[],
  pointer: string,
): { parent: unknown; last: string } {
  let current = document;
  for (const segment of segments.slice(0, -1)) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isObject(current)) current = current[segment];
    else current = undefined;
    if (current === undefined) fail(`json patch: path "${pointer}" does not exist`);
  }
  return { parent: current, last: segments[segments.length - 1] ?? "" };
}

function arrayIndex(array: unknown[], token: string, forInsert: boolean, pointer: string): number {
  if (forInsert && token === "-") return array.length;
  if (!/^\d+$/.test(token)) fail(`json patch: invalid array index "${token}" in "${pointer}"`);
  const index = Number(token);
  if (index > array.length || (!forInsert && index >= array.length)) {
    fail(`json patch: index ${index} out of bounds in "${pointer}"`);
  }
  return index;
}

function getValue(document: unknown, pointer: string): unknown {
  let current = document;
  for (const segment of parsePointer(pointer)) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isObject(current)) current = current[segment];
    else current = undefined;
    if (current === undefined) fail(`json patch: path "${pointer}" does not exist`);
  }
  return current;
}

function add(document: unknown, pointer: string, value: unknown): unknown {
  const segments = parsePointer(pointer);
  if (segments.length === 0) return value;
  const { parent, last } = resolveParent(document, segments, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true, pointer), 0, value);
  else if (isObject(parent)) parent[last] = value;
  else fail(`json patch: cannot add at "${pointer}"`);
  return document;
}

function remove(document: unknown, pointer: string): unknown {
  const segments = parsePointer(pointer);
  const { parent, last } = resolveParent(document, segments, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, false, pointer), 1);
  else if (isObject(parent) && last in parent) delete parent[last];
  else fail(`json patch: cannot remove "${pointer}": it does not exist`);
  return document;
}

export function applyJsonPatch(original: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) fail("json patch: the body must be a JSON array of operations");
  let document = deepClone(original);
  for (const operation of patch) {
    if (!isObject(operation)) fail("json patch: each operation must be an object");
    const path = String(operation.path ?? "");
    switch (operation.op) {
      case "add":
        document = add(document, path, deepClone(operation.value));
        break;
      case "remove":
        document = remove(document, path);
        break;
      case "replace":
        getValue(document, path);
        document = add(remove(document, path), path, deepClone(operation.value));
        break;
      case "move": {
        const value = getValue(document, String(operation.from ?? ""));
        document = add(remove(document, String(operation.from ?? "")), path, value);
        break;
      }
      case "copy":
        document = add(document, path, deepClone(getValue(document, String(operation.from ?? ""))));
        break;
      case "test":
        if (!deepEqual(getValue(document, path), operation.value))
          fail(`json patch: test failed at "${path}"`);
        break;
      default:
        fail(`json patch: unknown operation ${JSON.stringify(operation.op)}`);
    }
  }
  return document;
}
