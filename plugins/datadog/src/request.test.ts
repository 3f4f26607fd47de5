import { describe, expect, it } from "vitest";
import { parseDatadogConfig } from "./config.js";
import { buildDatadogRequest } from "./request.js";

const credentials = { apiKey: "api-123", appKey: "app-456", address: "" };

describe("buildDatadogRequest (spec §5.2)", () => {
  it("v1: GET /api/v1/query with from, query, to in seconds and the key headers", () => {
    const request = buildDatadogRequest(
      parseDatadogConfig({ query: "avg:cpu{env:prod}" }),
      credentials,
      1599076435,
    );
    expect(request.method).toBe("GET");
    expect(request.url.href).toBe(
      "https://api.datadoghq.com/api/v1/query?from=1599076135&query=avg%3Acpu%7Benv%3Aprod%7D&to=1599076435",
    );
    expect(request.headers).toEqual({
      "Content-Type": "application/json",
      "DD-API-KEY": "api-123",
      "DD-APPLICATION-KEY": "app-456",
    });
    expect(request.body).toBeUndefined();
  });

  it("v2: POST /api/v2/query/scalar with the spec's body, times in milliseconds", () => {
    const request = buildDatadogRequest(
      parseDatadogConfig({ apiVersion: "v2", query: "avg:kubernetes.cpu.user.total{*}" }),
      { ...credentials, address: "https://api.datadoghq.eu" },
      1599076435,
    );
    expect(request.method).toBe("POST");
    expect(request.url.href).toBe("https://api.datadoghq.eu/api/v2/query/scalar");
    expect(JSON.parse(request.body ?? "")).toEqual({
      data: {
        attributes: {
          from: 1599076135000,
          to: 1599076435000,
          queries: [
            {
              aggregator: "last",
              data_source: "metrics",
              name: "query",
              query: "avg:kubernetes.cpu.user.total{*}",
            },
          ],
          formulas: [],
        },
        type: "scalar_request",
      },
    });
  });

  it("v2 with queries and a formula names each query and sends the formula", () => {
    const request = buildDatadogRequest(
      parseDatadogConfig({
        apiVersion: "v2",
        queries: { a: "sum:errors{*}", b: "sum:hits{*}" },
        formula: "a/b",
        aggregator: "sum",
        interval: "1m",
      }),
      credentials,
      1000,
    );
    const attributes = JSON.parse(request.body ?? "").data.attributes;
    expect(attributes.from).toBe(940_000);
    expect(attributes.queries).toEqual([
      { aggregator: "sum", data_source: "metrics", name: "a", query: "sum:errors{*}" },
      { aggregator: "sum", data_source: "metrics", name: "b", query: "sum:hits{*}" },
    ]);
    expect(attributes.formulas).toEqual([{ formula: "a/b" }]);
  });
});
