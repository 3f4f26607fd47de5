import { describe, expect, it } from "vitest";
import { pruneAndDefault, validateCustomResource } from "./structural.js";

const schema = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      required: ["name"],
      properties: {
        name: { type: "string", maxLength: 5, pattern: "^[a-z]+$" },
        mode: { type: "string", enum: ["fast", "slow"], default: "slow" },
        port: { "x-kubernetes-int-or-string": true },
        items: { type: "array", maxItems: 2, items: { type: "integer", minimum: 1 } },
        free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        labels: { type: "object", additionalProperties: { type: "string" } },
      },
    },
  },
};

function errorsFor(spec: unknown): string[] {
  const obj = { metadata: { name: "x" }, spec };
  return validateCustomResource(obj, schema).map((e) => `${e.field}: ${e.detail}`);
}

describe("structural schema validation", () => {
  it("words errors as the API server does", () => {
    expect(errorsFor({})).toEqual(["spec.name: Required value"]);
    expect(errorsFor({ name: 3 })).toEqual([
      'spec.name: Invalid value: "integer": spec.name in body must be of type string: "integer"',
    ]);
    expect(errorsFor({ name: "ABC" })).toEqual([
      `spec.name: Invalid value: "ABC": spec.name in body should match '^[a-z]+$'`,
    ]);
    expect(errorsFor({ name: "abc", mode: "medium" })).toEqual([
      'spec.mode: Unsupported value: "medium": supported values: "fast", "slow"',
    ]);
    expect(errorsFor({ name: "abc", items: [0] })).toEqual([
      "spec.items[0]: Invalid value: 0: spec.items[0] in body should be greater than or equal to 1",
    ]);
    expect(errorsFor({ name: "abc", port: true })).toEqual([
      'spec.port: Invalid value: "boolean": spec.port in body must be of type integer or string: "boolean"',
    ]);
    expect(errorsFor({ name: "abc", labels: { a: 1 } })).toEqual([
      'spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"',
    ]);
    expect(
      errorsFor({ name: "abc", port: "http", items: [1, 2], free: { any: { thing: 1 } } }),
    ).toEqual([]);
  });

  it("prunes undeclared fields, keeps preserved ones, fills defaults", () => {
    const obj = {
      apiVersion: "x/v1",
      kind: "X",
      metadata: { name: "x", extra: 1 },
      spec: { name: "a", junk: 1, free: { kept: 1 }, labels: { a: "b" } },
      other: 1,
    };
    pruneAndDefault(obj, schema, true);
    expect(obj).toEqual({
      apiVersion: "x/v1",
      kind: "X",
      metadata: { name: "x", extra: 1 },
      spec: { name: "a", mode: "slow", free: { kept: 1 }, labels: { a: "b" } },
    });
  });
});
