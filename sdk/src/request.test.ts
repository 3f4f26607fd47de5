import { describe, expect, it } from "vitest";
import {
  parseConfig,
  parseJsonObject,
  requireString,
  strictObject,
  toJsonBytes,
} from "./request.js";

const validate = (raw: unknown) => ({
  route: requireString(strictObject(raw, ["route"]), "route"),
});

describe("request helpers", () => {
  it("decodes a JSON object and names the field when the bytes are not one", () => {
    expect(parseJsonObject(toJsonBytes({ a: 1 }), "rollout")).toEqual({
      ok: true,
      value: { a: 1 },
    });
    const notJson = parseJsonObject(Buffer.from("{oops"), "rollout");
    expect(notJson.ok ? "" : notJson.error.message).toMatch(
      /^invalid request: rollout is not valid JSON/,
    );
    const array = parseJsonObject(toJsonBytes([1]), "metric");
    expect(array.ok ? "" : array.error.message).toBe(
      "invalid request: metric must be a JSON object, got an array",
    );
  });

  it("types a valid configuration block", () => {
    expect(parseConfig(toJsonBytes({ route: "web" }), validate, "acme/router")).toEqual({
      ok: true,
      value: { route: "web" },
    });
  });

  it.each([
    [
      Buffer.alloc(0),
      "invalid request for acme/router: the plugin configuration block is missing (expected at least {})",
    ],
    [
      toJsonBytes({ route: "web", rout: "x" }),
      "invalid configuration for acme/router: config has unknown field(s) rout; allowed: route",
    ],
    [
      toJsonBytes({}),
      "invalid configuration for acme/router: config.route must be a non-empty string, got nothing",
    ],
    [
      toJsonBytes("web"),
      'invalid configuration for acme/router: config must be an object, got the string "web"',
    ],
  ])("answers a non-retryable error reply for %s", (bytes, message) => {
    const parsed = parseConfig(bytes, validate, "acme/router");
    expect(parsed).toEqual({ ok: false, error: { message, retryable: false } });
  });
});
