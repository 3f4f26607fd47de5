import { describe, expect, it } from "vitest";
import { parsePrometheusConfig } from "./config.js";
import { buildQueryCall, getFallbackUrl, parseQueryResponse, postBody } from "./query.js";

const config = (extra: Record<string, unknown> = {}) =>
  parsePrometheusConfig({ address: "http://prom:9090", query: 'up{job="api"}', ...extra }, {});

describe("the query request (spec §5.1)", () => {
  it("posts the spec's sample body to /api/v1/query", () => {
    const call = buildQueryCall(config(), 1767607200500);
    expect(call.url.href).toBe("http://prom:9090/api/v1/query");
    expect(postBody(call)).toBe("query=up%7Bjob%3D%22api%22%7D&time=1767607200.5");
  });

  it("keeps the address's path prefix", () => {
    const call = buildQueryCall(config({ address: "https://gw.example/prometheus/" }), 1000);
    expect(call.url.href).toBe("https://gw.example/prometheus/api/v1/query");
  });

  it("sends the same parameters as a query string for the GET fallback", () => {
    const call = buildQueryCall(config(), 1767607200000);
    expect(getFallbackUrl(call).href).toBe(
      "http://prom:9090/api/v1/query?query=up%7Bjob%3D%22api%22%7D&time=1767607200",
    );
  });

  it("sends a range query with start, end and step in seconds", () => {
    const call = buildQueryCall(
      config({ rangeQuery: { start: 'now() - duration("5m")', end: "now()", step: "30s" } }),
      1767607200000,
    );
    expect(call.url.pathname).toBe("/api/v1/query_range");
    expect(postBody(call)).toBe(
      "end=1767607200&query=up%7Bjob%3D%22api%22%7D&start=1767606900&step=30",
    );
  });
});

describe("reading the response (spec §5.1, §4.2)", () => {
  it("turns the spec's vector sample into [0.9712]", () => {
    const outcome = parseQueryResponse(
      200,
      '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"api"},"value":[1767607200.5,"0.9712"]}]}}',
    );
    expect(outcome).toEqual({ value: "[0.9712]", result: [0.9712] });
  });

  it("gives [] for a vector without series", () => {
    expect(
      parseQueryResponse(200, '{"status":"success","data":{"resultType":"vector","result":[]}}'),
    ).toEqual({ value: "[]", result: [] });
  });

  it("reads a scalar as a number", () => {
    expect(
      parseQueryResponse(
        200,
        '{"status":"success","data":{"resultType":"scalar","result":[1.5,"0.97"]}}',
      ),
    ).toEqual({ value: "0.97", result: 0.97 });
  });

  it("keeps NaN and infinities", () => {
    const outcome = parseQueryResponse(
      200,
      '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]},{"metric":{},"value":[1,"+Inf"]}]}}',
    );
    expect(outcome.value).toBe("[NaN,+Inf]");
    expect(outcome.result).toEqual([Number.NaN, Number.POSITIVE_INFINITY]);
  });

  it("flattens every sample of every series of a matrix", () => {
    const outcome = parseQueryResponse(
      200,
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"1"},"values":[[1,"1"],[2,"2"]]},{"metric":{"a":"2"},"values":[[1,"3"]]}]}}',
    );
    expect(outcome).toEqual({ value: "[1,2,3]", result: [1, 2, 3] });
  });

  it("refuses a string result", () => {
    expect(() =>
      parseQueryResponse(
        200,
        '{"status":"success","data":{"resultType":"string","result":[1,"a"]}}',
      ),
    ).toThrow("Prometheus metric type not supported");
  });

  it("puts warnings in metadata as the original quotes them", () => {
    const outcome = parseQueryResponse(
      200,
      '{"status":"success","data":{"resultType":"vector","result":[]},"warnings":["w1","w2"]}',
    );
    expect(outcome.metadata).toEqual({ warnings: '"w1", "w2"' });
  });

  it("reports Prometheus' own error for a query that does not parse", () => {
    expect(() =>
      parseQueryResponse(
        400,
        '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"query\\": 1:4: parse error: unexpected <op:*>"}',
      ),
    ).toThrow('bad_data: invalid parameter "query": 1:4: parse error: unexpected <op:*>');
  });

  it("reports other statuses by class", () => {
    expect(() => parseQueryResponse(500, "")).toThrow("server_error: server error: 500");
    expect(() => parseQueryResponse(401, "Unauthorized")).toThrow(
      "client_error: client error: 401: Unauthorized",
    );
    expect(() => parseQueryResponse(200, "<html>")).toThrow(/^bad_response: /);
  });
});
