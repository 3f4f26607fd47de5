import { describe, expect, it } from "vitest";
import {
  formatGoFloat,
  formatGoFloatList,
  goFormEncode,
  goJsonMarshal,
  parseGoFloat,
} from "./go-format.js";

describe("formatGoFloat (Go's FormatFloat 'f', -1)", () => {
  it.each([
    [0.97, "0.97"],
    [0.0003332881882246533, "0.0003332881882246533"],
    [1e-7, "0.0000001"],
    [1.5e-10, "0.00000000015"],
    [12, "12"],
    [1e21, "1000000000000000000000"],
    [1.2345e22, "12345000000000000000000"],
    [-2.5e-7, "-0.00000025"],
    [Number.NaN, "NaN"],
    [Number.POSITIVE_INFINITY, "+Inf"],
    [Number.NEGATIVE_INFINITY, "-Inf"],
  ])("%s → %s", (value, text) => {
    expect(formatGoFloat(value)).toBe(text);
  });

  it("prints lists without spaces", () => {
    expect(formatGoFloatList([0.97, 0.95])).toBe("[0.97,0.95]");
    expect(formatGoFloatList([])).toBe("[]");
    expect(formatGoFloatList([Number.NaN, Number.POSITIVE_INFINITY])).toBe("[NaN,+Inf]");
  });
});

describe("parseGoFloat", () => {
  it("reads Prometheus sample strings", () => {
    expect(parseGoFloat("0.9712")).toBe(0.9712);
    expect(parseGoFloat("1e-3")).toBe(0.001);
    expect(parseGoFloat("NaN")).toBeNaN();
    expect(parseGoFloat("+Inf")).toBe(Number.POSITIVE_INFINITY);
    expect(parseGoFloat("-Inf")).toBe(Number.NEGATIVE_INFINITY);
    expect(parseGoFloat("abc")).toBeUndefined();
    expect(parseGoFloat("")).toBeUndefined();
    expect(parseGoFloat(" 1")).toBeUndefined();
  });
});

describe("goJsonMarshal", () => {
  it("sorts keys at every level and keeps arrays in order", () => {
    expect(goJsonMarshal({ successPercent: 0.95, ok: true, b: { z: 1, a: [3, 1] } })).toBe(
      '{"b":{"a":[3,1],"z":1},"ok":true,"successPercent":0.95}',
    );
  });
  it("keeps the quotes of a string and escapes HTML characters as Go does", () => {
    expect(goJsonMarshal("1")).toBe('"1"');
    expect(goJsonMarshal("<a & b>")).toBe('"\\u003ca \\u0026 b\\u003e"');
  });
  it("writes null, numbers and booleans as JSON", () => {
    expect(goJsonMarshal(null)).toBe("null");
    expect(goJsonMarshal(1e-7)).toBe("1e-7");
    expect(goJsonMarshal(false)).toBe("false");
  });
});

describe("goFormEncode", () => {
  it("matches the spec's Prometheus sample", () => {
    expect(goFormEncode({ time: "1767607200.5", query: 'up{job="api"}' })).toBe(
      "query=up%7Bjob%3D%22api%22%7D&time=1767607200.5",
    );
  });
  it("encodes spaces as + and keeps -_.~", () => {
    expect(goFormEncode({ q: "a b-c_d.e~f*g" })).toBe("q=a+b-c_d.e~f%2Ag");
  });
});
