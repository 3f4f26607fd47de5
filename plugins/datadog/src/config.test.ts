import { describe, expect, it } from "vitest";
import { parseDatadogConfig } from "./config.js";

describe("parseDatadogConfig (spec §5.2)", () => {
  it("defaults to v1, a 5m window and a 10s request timeout", () => {
    expect(parseDatadogConfig({ query: "avg:cpu{*}" })).toEqual({
      apiVersion: "v1",
      intervalSeconds: 300,
      query: "avg:cpu{*}",
      aggregator: "last",
      requestTimeoutMs: 10_000,
    });
  });

  it("treats any apiVersion but v1 as v2 and turns a single query into {query: ...}", () => {
    const config = parseDatadogConfig({
      apiVersion: "v2",
      query: "avg:cpu{*}",
      interval: "10m",
      aggregator: "avg",
    });
    expect(config.apiVersion).toBe("v2");
    expect(config.queries).toEqual({ query: "avg:cpu{*}" });
    expect(config.intervalSeconds).toBe(600);
    expect(config.aggregator).toBe("avg");
    expect(parseDatadogConfig({ apiVersion: "v3", query: "q" }).apiVersion).toBe("v2");
  });

  it("keeps queries and the formula", () => {
    const config = parseDatadogConfig({
      apiVersion: "v2",
      queries: { a: "sum:errors{*}", b: "sum:requests{*}" },
      formula: "a/b",
    });
    expect(config.queries).toEqual({ a: "sum:errors{*}", b: "sum:requests{*}" });
    expect(config.formula).toBe("a/b");
  });

  it.each([
    [
      { apiVersion: "v2" },
      "Must have either a query or queries. Please review the Analysis Template.",
    ],
    [
      { apiVersion: "v2", query: "q", queries: { a: "x" } },
      "Cannot have both a query and queries. Please review the Analysis Template.",
    ],
    [
      { apiVersion: "v1", queries: { a: "x" } },
      "Query is empty. API Version v1 only supports using the query parameter in your Analysis Template.",
    ],
    [
      { apiVersion: "v2", query: "q", formula: "a" },
      "Formula are only valid when queries are set. Please review the Analysis Template.",
    ],
    [
      { apiVersion: "v2", queries: { a: "x", b: "y" } },
      "When multiple queries are provided you must include a formula.",
    ],
    [
      { query: "q", aggregator: "avg" },
      "Aggregator is not supported in v1. Please review the Analysis Template.",
    ],
    [
      { query: "q", requestTimeout: "soon" },
      'Could not parse the request timeout: time: invalid duration "soon". Please review the Analysis Template.',
    ],
    [
      { query: "q", requestTimeout: "0s" },
      "Request timeout must be a positive duration (e.g. 30s). Please review the Analysis Template.",
    ],
    [
      { query: "q", secretRef: { namespaced: true } },
      "secret name is required for namespaced credentials",
    ],
    [
      { apiVersion: "v2", query: "q", aggregator: "median" },
      'provider.datadog.aggregator must be one of avg, min, max, sum, last, percentile, mean, l2norm, area, got "median"',
    ],
  ])("refuses %j", (block, message) => {
    expect(() => parseDatadogConfig(block)).toThrow(message);
  });

  it("reads secretRef", () => {
    expect(
      parseDatadogConfig({ query: "q", secretRef: { name: "dd", namespaced: true } }).secretRef,
    ).toEqual({
      name: "dd",
      namespaced: true,
    });
  });
});
