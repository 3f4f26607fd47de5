import { describe, expect, it } from "vitest";
import { ApiError } from "./errors.js";
import {
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  selectorFromStructured,
  selectorToString,
} from "./selectors.js";

describe("label selectors", () => {
  const labels = { app: "web", tier: "front", version: "3" };
  it.each([
    ["app=web", true],
    ["app==web", true],
    ["app!=web", false],
    ["app in (web, api)", true],
    ["app notin (web)", false],
    ["tier", true],
    ["!tier", false],
    ["missing!=x", true],
    ["app=web,tier in (front),!gone", true],
    ["version>2", true],
    ["version<3", false],
    ["", true],
  ])("%s matches: %s", (selector, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it.each(["app in (web", "=web", "app=web=x", "a b c", "app=web,", "version>x"])(
    "rejects %s with a 400",
    (selector) => {
      expect(() => parseLabelSelector(selector)).toThrow(ApiError);
    },
  );

  it("turns a structured selector into the query form", () => {
    const selector = selectorFromStructured({
      matchLabels: { app: "web" },
      matchExpressions: [{ key: "tier", operator: "NotIn", values: ["db"] }],
    });
    expect(selectorToString(selector ?? [])).toBe("app=web,tier notin (db)");
  });
});

describe("field selectors", () => {
  it("accepts metadata fields and the resource's own, rejects others", () => {
    expect(
      parseFieldSelector("metadata.name=a,status.phase!=Running", ["status.phase"], "pods"),
    ).toHaveLength(2);
    expect(() => parseFieldSelector("spec.secret=x", [], "configmaps")).toThrow(
      "field label not supported: spec.secret",
    );
  });
});
