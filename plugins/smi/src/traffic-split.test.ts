import type { RolloutInfo } from "@sluice/router-common";
import { describe, expect, it } from "vitest";
import { apiVersionFrom, parseSmiConfig } from "./config.js";
import { desiredSpec } from "./traffic-split.js";

const info: RolloutInfo = {
  name: "web",
  namespace: "default",
  uid: "u",
  canaryService: "web-canary",
  stableService: "web-stable",
  maxTrafficWeight: undefined,
  managedRoutes: [],
  statusCanaryWeight: 0,
};

describe("TrafficSplit spec", () => {
  it("writes v1alpha1 weights as quantity strings and later versions as integers", () => {
    const config = parseSmiConfig({});
    expect(desiredSpec(info, config, "v1alpha1", 30, [])).toEqual({
      service: "web-stable",
      backends: [
        { service: "web-canary", weight: "30" },
        { service: "web-stable", weight: "70" },
      ],
    });
    expect(desiredSpec(info, config, "v1alpha3", 30, []).backends).toEqual([
      { service: "web-canary", weight: 30 },
      { service: "web-stable", weight: 70 },
    ]);
  });

  it("subtracts additional destinations from the stable weight (out of 100)", () => {
    const spec = desiredSpec(info, parseSmiConfig({ rootService: "root" }), "v1alpha2", 10, [
      { serviceName: "exp", podTemplateHash: "h", weight: 25 },
    ]);
    expect(spec).toEqual({
      service: "root",
      backends: [
        { service: "web-canary", weight: 10 },
        { service: "exp", weight: 25 },
        { service: "web-stable", weight: 65 },
      ],
    });
  });
});

describe("API version selection", () => {
  it("reads the flag, then the environment, then defaults to v1alpha1", () => {
    expect(apiVersionFrom([], {})).toBe("v1alpha1");
    expect(apiVersionFrom([], { SLUICE_SMI_TRAFFIC_SPLIT_API_VERSION: "v1alpha3" })).toBe(
      "v1alpha3",
    );
    expect(
      apiVersionFrom(["--traffic-split-api-version", "v1alpha2"], {
        SLUICE_SMI_TRAFFIC_SPLIT_API_VERSION: "v1alpha3",
      }),
    ).toBe("v1alpha2");
    expect(() => apiVersionFrom(["--traffic-split-api-version=v2"], {})).toThrow(
      /unsupported TrafficSplit API version "v2"/,
    );
  });
});
