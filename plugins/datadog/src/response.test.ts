import { describe, expect, it } from "vitest";
import { MAX_GROUPS_IN_METADATA, parseV1Response, parseV2Response } from "./response.js";

describe("v1 answers", () => {
  it("reads the last point of the first series (spec sample)", () => {
    expect(
      parseV1Response(
        200,
        '{"status":"ok","series":[{"pointlist":[[1598867910000,0.002],[1598867925000,0.00033]]}]}',
      ),
    ).toEqual({ value: "0.00033", result: 0.00033 });
  });

  it("gives nil and the series list as value when there is no data", () => {
    expect(parseV1Response(200, '{"status":"ok","series":[]}')).toEqual({
      value: "[]",
      result: null,
    });
    expect(parseV1Response(200, '{"status":"ok"}')).toEqual({ value: "null", result: null });
    expect(parseV1Response(200, '{"series":[{"pointlist":[],"metric":"m"}]}')).toEqual({
      value: '[{"pointlist":[]}]',
      result: null,
    });
  });

  it("writes small values without an exponent", () => {
    expect(
      parseV1Response(200, '{"series":[{"pointlist":[[1,3.332881882246533e-7]]}]}').value,
    ).toBe("0.0000003332881882246533");
  });
});

describe("v2 answers", () => {
  it("reads the spec's grouped sample as a list, with groups in metadata", () => {
    const outcome = parseV2Response(
      200,
      '{"data":{"attributes":{"columns":[{"name":"resource_name","type":"group","values":[["GET /a"],["GET /b"]]},{"name":"query","type":"number","values":[0.01,0.087]}]}}}',
    );
    expect(outcome.result).toEqual([0.01, 0.087]);
    expect(outcome.value).toBe("[0.01,0.087]");
    expect(outcome.metadata).toEqual({
      groups: '[{"name":"GET /a","value":0.01},{"name":"GET /b","value":0.087}]',
    });
  });

  it("reads an ungrouped answer as a number", () => {
    expect(
      parseV2Response(
        200,
        '{"data":{"type":"scalar_response","attributes":{"columns":[{"name":"query","type":"number","values":[0.0063]}]}}}',
      ),
    ).toEqual({ value: "0.0063", result: 0.0063 });
  });

  it("joins the tags of several group columns and skips null values", () => {
    const outcome = parseV2Response(
      200,
      JSON.stringify({
        data: {
          attributes: {
            columns: [
              { name: "region", type: "group", values: [["us-east"], ["eu-west"], ["ap"]] },
              { name: "host", type: "group", values: [["host-a"], ["host-b"], ["host-c"]] },
              { name: "a", type: "number", values: [0.01, null, 0.3] },
            ],
          },
        },
      }),
    );
    expect(outcome.result).toEqual([0.01, 0.3]);
    expect(outcome.metadata?.groups).toBe(
      '[{"name":"us-east,host-a","value":0.01},{"name":"ap,host-c","value":0.3}]',
    );
  });

  it("keeps the 50 lowest and 50 highest groups in metadata and says it trimmed", () => {
    const count = 130;
    const outcome = parseV2Response(
      200,
      JSON.stringify({
        data: {
          attributes: {
            columns: [
              {
                name: "host",
                type: "group",
                values: Array.from({ length: count }, (_, i) => [`h${i}`]),
              },
              { name: "q", type: "number", values: Array.from({ length: count }, (_, i) => i) },
            ],
          },
        },
      }),
    );
    expect((outcome.result as number[]).length).toBe(count);
    const groups = JSON.parse(outcome.metadata?.groups ?? "[]") as Array<{
      name: string;
      value: number;
    }>;
    expect(groups).toHaveLength(MAX_GROUPS_IN_METADATA);
    expect(groups[0]).toEqual({ name: "h0", value: 0 });
    expect(groups[49]?.value).toBe(49);
    expect(groups[50]?.value).toBe(80);
    expect(groups[99]?.value).toBe(129);
    expect(outcome.metadata?.groups_truncated).toBe("true");
  });

  it("gives nil and [] when there are no values", () => {
    expect(parseV2Response(200, '{"data":{"attributes":{"columns":[]}}}')).toEqual({
      value: "[]",
      result: null,
    });
  });

  it("reports query errors and HTTP failures in the original's words", () => {
    expect(() => parseV2Response(200, '{"data":{"errors":"bad metric name"}}')).toThrow(
      "There were errors in your query: bad metric name",
    );
    expect(() => parseV2Response(403, '{"errors":["Forbidden"]}')).toThrow(
      'received authentication error response code: 403 {"errors":["Forbidden"]}',
    );
    expect(() => parseV2Response(500, "oops")).toThrow("received non 2xx response code: 500 oops");
    expect(() => parseV2Response(200, "{")).toThrow(/^Could not parse JSON body: /);
  });
});
