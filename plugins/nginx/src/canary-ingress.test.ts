import { describe, expect, it } from "vitest";
import { canaryIngressName, canaryPatch, weightAnnotations } from "./canary-ingress.js";
import { parseNginxConfig } from "./config.js";
import { headerAnnotations } from "./header-route.js";

describe("NGINX config", () => {
  it("normalises stableIngress to a list and defaults the prefix", () => {
    expect(parseNginxConfig({ stableIngress: "web" })).toEqual({
      stableIngresses: ["web"],
      annotationPrefix: "nginx.ingress.kubernetes.io",
      additionalIngressAnnotations: {},
      canaryIngressAnnotations: {},
    });
  });

  it("names the offending field", () => {
    expect(() => parseNginxConfig({})).toThrow(/exactly one of stableIngress/);
    expect(() => parseNginxConfig({ stableIngresses: "web" })).toThrow(/must be a list/);
    expect(() =>
      parseNginxConfig({
        stableIngress: "w",
        additionalIngressAnnotations: { "canary-by-header": 1 },
      }),
    ).toThrow(/additionalIngressAnnotations.canary-by-header must be a string/);
  });
});

describe("canary Ingress", () => {
  it("applies annotations in the original's order: additional, canary, then the weights", () => {
    const config = parseNginxConfig({
      stableIngress: "w",
      additionalIngressAnnotations: { "canary-weight": "99", "nginx.ingress.kubernetes.io/x": "a" },
      canaryIngressAnnotations: { "nginx.ingress.kubernetes.io/x": "b" },
    });
    expect(weightAnnotations(config, 30, undefined)).toEqual({
      "nginx.ingress.kubernetes.io/canary-weight": "30",
      "nginx.ingress.kubernetes.io/x": "b",
      "nginx.ingress.kubernetes.io/canary": "true",
    });
  });

  it("keeps a short name whole", () => {
    expect(canaryIngressName("shop", "shop-web")).toBe("shop-shop-web-canary");
  });

  it("patches nothing when the live object already matches, and removes spec fields that are gone", () => {
    const live = {
      metadata: { annotations: { a: "1", other: "kept" } },
      spec: { rules: [{ host: "h" }], tls: [{ hosts: ["h"] }] },
    };
    expect(canaryPatch(live, { a: "1" }, { rules: [{ host: "h" }], tls: [{ hosts: ["h"] }] })).toBe(
      undefined,
    );
    expect(
      canaryPatch(live, { a: "2", gone: null, other: null }, { rules: [{ host: "h" }] }),
    ).toEqual({
      metadata: { annotations: { a: "2", other: null } },
      spec: { tls: null },
    });
  });
});

describe("header route annotations", () => {
  const config = parseNginxConfig({ stableIngress: "w" });
  it("refuses a static canary-by-header in the config", () => {
    const fixed = parseNginxConfig({
      stableIngress: "w",
      additionalIngressAnnotations: { "canary-by-header": "X" },
    });
    expect(() =>
      headerAnnotations(fixed, {
        name: "h",
        match: [{ headerName: "X", headerValue: { match: { $case: "exact", value: "1" } } }],
      }),
    ).toThrow(/already sets nginx.ingress.kubernetes.io\/canary-by-header statically/);
  });

  it("escapes a prefix into an anchored pattern", () => {
    const changes = headerAnnotations(config, {
      name: "h",
      match: [{ headerName: "X", headerValue: { match: { $case: "prefix", value: "a.b(c" } } }],
    });
    expect(changes["nginx.ingress.kubernetes.io/canary-by-header-pattern"]).toBe("^a\\.b\\(c.*");
    expect(changes["nginx.ingress.kubernetes.io/canary-by-header-value"]).toBeNull();
  });

  it("needs a header value condition", () => {
    expect(() => headerAnnotations(config, { name: "h", match: [{ headerName: "X" }] })).toThrow(
      /needs headerName and headerValue/,
    );
  });
});
