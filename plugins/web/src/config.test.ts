import { describe, expect, it } from "vitest";
import { parseWebConfig } from "./config.js";
import { buildWebRequest } from "./provider.js";

describe("parseWebConfig (spec §5.3)", () => {
  it("applies the defaults: GET, 10 s, {$}", () => {
    const config = parseWebConfig({ url: "http://svc/api" });
    expect(config.method).toBe("GET");
    expect(config.timeoutMs).toBe(10_000);
    expect(config.jsonPath.source).toBe("{$}");
    expect(config.insecure).toBe(false);
    expect(config.body).toBeUndefined();
  });

  it("treats a timeout of 0 or less as the default", () => {
    expect(parseWebConfig({ url: "http://svc", timeoutSeconds: 0 }).timeoutMs).toBe(10_000);
    expect(parseWebConfig({ url: "http://svc", timeoutSeconds: 20 }).timeoutMs).toBe(20_000);
  });

  it("refuses both bodies, and a body with GET, in the original's words", () => {
    expect(() =>
      parseWebConfig({ url: "http://svc", method: "POST", body: "x", jsonBody: { a: 1 } }),
    ).toThrow("use either Body or JSONBody; both cannot exists for WebMetric payload");
    expect(() => parseWebConfig({ url: "http://svc", body: "x" })).toThrow(
      "Body/JSONBody can only be used with POST or PUT WebMetric Method types",
    );
    expect(() => parseWebConfig({ url: "http://svc", jsonBody: { a: 1 } })).toThrow(
      "Body/JSONBody can only be used with POST or PUT WebMetric Method types",
    );
  });

  it("refuses other methods, a missing URL and a bad jsonPath", () => {
    expect(() => parseWebConfig({ url: "http://svc", method: "DELETE" })).toThrow(
      'provider.web.method must be GET, POST or PUT, got "DELETE"',
    );
    expect(() => parseWebConfig({})).toThrow("provider.web.url is required");
    expect(() => parseWebConfig({ url: "http://svc", jsonPath: "{.a" })).toThrow(
      /^provider.web.jsonPath is not a valid JSONPath: unclosed action/,
    );
  });
});

describe("buildWebRequest", () => {
  it("sends method, URL, headers and a raw body exactly", () => {
    const request = buildWebRequest(
      parseWebConfig({
        url: "http://svc/api/v1/measurement?service=guestbook",
        method: "PUT",
        headers: [{ key: "Authorization", value: "Bearer abc" }],
        body: "plain text",
      }),
    );
    expect(request).toEqual({
      method: "PUT",
      url: new URL("http://svc/api/v1/measurement?service=guestbook"),
      headers: { Authorization: "Bearer abc" },
      body: "plain text",
    });
  });

  it("forces application/json for jsonBody, replacing a user's content type", () => {
    const request = buildWebRequest(
      parseWebConfig({
        url: "http://svc",
        method: "POST",
        headers: [{ key: "content-type", value: "text/plain" }],
        jsonBody: { key: "value", n: [1, 2] },
      }),
    );
    expect(request.headers).toEqual({ "Content-Type": "application/json" });
    expect(request.body).toBe('{"key":"value","n":[1,2]}');
  });
});
