import { describe, expect, it } from "vitest";
import { compileJsonPath } from "./jsonpath.js";
import { parseWebResponse } from "./response.js";

const at = (path: string) => compileJsonPath(path);

describe("parseWebResponse (spec §5.3, §4.2)", () => {
  it("gives the spec's sample: result object, value with sorted keys", () => {
    const outcome = parseWebResponse(
      200,
      '{"data":{"successPercent":0.95,"ok":true}}',
      at("{$.data}"),
    );
    expect(outcome.result).toEqual({ ok: true, successPercent: 0.95 });
    expect(outcome.value).toBe('{"ok":true,"successPercent":0.95}');
  });

  it("keeps the quotes of a JSON string in value", () => {
    expect(parseWebResponse(200, '{"v":"1"}', at("{.v}"))).toEqual({ value: '"1"', result: "1" });
    expect(parseWebResponse(200, '{"v":true}', at("{.v}"))).toEqual({
      value: "true",
      result: true,
    });
    expect(parseWebResponse(200, '{"v":null}', at("{.v}"))).toEqual({
      value: "null",
      result: null,
    });
  });

  it("uses a body that is not JSON raw, also an empty one", () => {
    expect(parseWebResponse(200, "true", at("{$}"))).toEqual({ value: "true", result: true });
    expect(parseWebResponse(200, "OK then", at("{.a}"))).toEqual({
      value: "OK then",
      result: "OK then",
    });
    expect(parseWebResponse(204, "", at("{$}"))).toEqual({ value: "", result: "" });
  });

  it("errors on non-2xx, a missing path and no match, with the original's messages", () => {
    expect(() => parseWebResponse(404, "{}", at("{$}"))).toThrow(
      "received non 2xx response code: 404",
    );
    expect(() => parseWebResponse(200, '{"a":1}', at("{.b}"))).toThrow(
      "Could not find JSONPath in body: b is not found",
    );
    expect(() => parseWebResponse(200, '{"a":[]}', at("{.a[*]}"))).toThrow(
      "result of web metric produced no value",
    );
  });
});
