import { describe, expect, it } from "vitest";
import { parsePrometheusConfig } from "./config.js";

const env = {};

describe("parsePrometheusConfig (spec §5.1)", () => {
  it("applies the defaults", () => {
    const config = parsePrometheusConfig({ address: "http://prom:9090", query: "up" }, env);
    expect(config.address.href).toBe("http://prom:9090/");
    expect(config.query).toBe("up");
    expect(config.timeoutMs).toBe(30_000);
    expect(config.insecure).toBe(false);
    expect(config.headers).toEqual([]);
    expect(config.basicAuth).toBeUndefined();
    expect(config.rangeQuery).toBeUndefined();
  });

  it("takes the address from ARGO_ROLLOUTS_PROMETHEUS_ADDRESS when the metric has none", () => {
    const config = parsePrometheusConfig(
      { query: "up" },
      { ARGO_ROLLOUTS_PROMETHEUS_ADDRESS: "https://prom.example/prefix" },
    );
    expect(config.address.href).toBe("https://prom.example/prefix");
  });

  it("says the address is not configured when neither is set", () => {
    expect(() => parsePrometheusConfig({ query: "up" }, env)).toThrow(
      /^prometheus address is not configured/,
    );
  });

  it("refuses an address without scheme and host", () => {
    expect(() => parsePrometheusConfig({ address: "prom:9090x", query: "up" }, env)).toThrow(
      /prometheus address is not in url format/,
    );
    expect(() => parsePrometheusConfig({ address: "not a url", query: "up" }, env)).toThrow(
      /prometheus address is not in url format: provider.prometheus.address is "not a url"/,
    );
  });

  it("refuses a negative timeout and reads a positive one in seconds", () => {
    expect(() =>
      parsePrometheusConfig({ address: "http://p", query: "up", timeout: -1 }, env),
    ).toThrow(/^prometheus timeout should not be negative/);
    expect(
      parsePrometheusConfig({ address: "http://p", query: "up", timeout: 5 }, env).timeoutMs,
    ).toBe(5000);
  });

  it("needs a query", () => {
    expect(() => parsePrometheusConfig({ address: "http://p" }, env)).toThrow(
      "provider.prometheus.query is required",
    );
  });

  it("reads headers, insecure and basic auth, and needs both basic-auth fields", () => {
    const config = parsePrometheusConfig(
      {
        address: "http://p",
        query: "up",
        insecure: true,
        headers: [{ key: "X-Scope-OrgID", value: "team-a" }],
        authentication: { basicAuth: { username: "u", password: "p" } },
      },
      env,
    );
    expect(config.insecure).toBe(true);
    expect(config.headers).toEqual([{ key: "X-Scope-OrgID", value: "team-a" }]);
    expect(config.basicAuth).toEqual({ username: "u", password: "p" });
    expect(() =>
      parsePrometheusConfig(
        { address: "http://p", query: "up", authentication: { basicAuth: { username: "u" } } },
        env,
      ),
    ).toThrow("provider.prometheus.authentication.basicAuth needs both username and password");
  });

  it("reads oauth2 client credentials", () => {
    const config = parsePrometheusConfig(
      {
        address: "http://p",
        query: "up",
        authentication: {
          oauth2: {
            tokenUrl: "http://idp/token",
            clientId: "id",
            clientSecret: "s",
            scopes: ["a", "b"],
          },
        },
      },
      env,
    );
    expect(config.oauth2).toEqual({
      tokenUrl: "http://idp/token",
      clientId: "id",
      clientSecret: "s",
      scopes: ["a", "b"],
    });
  });

  it("reads a range query and checks its step", () => {
    const config = parsePrometheusConfig(
      {
        address: "http://p",
        query: "up",
        rangeQuery: { start: 'now() - duration("5m")', end: "now()", step: "1m" },
      },
      env,
    );
    expect(config.rangeQuery).toEqual({
      start: 'now() - duration("5m")',
      end: "now()",
      stepSeconds: 60,
    });
    expect(() =>
      parsePrometheusConfig(
        { address: "http://p", query: "up", rangeQuery: { start: "now()", step: "1x" } },
        env,
      ),
    ).toThrow('provider.prometheus.rangeQuery.step: time: invalid duration "1x"');
    expect(() =>
      parsePrometheusConfig(
        { address: "http://p", query: "up", rangeQuery: { start: "yesterday", step: "1m" } },
        env,
      ),
    ).toThrow(
      /^provider.prometheus.rangeQuery.start: time expression "yesterday": expected now\(\)/,
    );
  });

  it("names the field of a wrongly typed value", () => {
    expect(() => parsePrometheusConfig({ address: "http://p", query: 3 }, env)).toThrow(
      "provider.prometheus.query must be a string, got number 3",
    );
    expect(() => parsePrometheusConfig("nope", env)).toThrow(
      'provider.prometheus must be an object, got string "nope"',
    );
  });

  it("refuses Amazon Managed Prometheus addresses, which need SigV4", () => {
    expect(() =>
      parsePrometheusConfig(
        { address: "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1", query: "up" },
        env,
      ),
    ).toThrow(/SigV4/);
  });
});
