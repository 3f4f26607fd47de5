// Referenced-object checks of spec §8 (last bullet), driven by the cluster context.
import { describe, expect, it } from "vitest";
import type { AnalysisTemplate } from "../api/analysis.js";
import type { Rollout } from "../api/rollout.js";
import { validateRollout } from "./rollout.js";
import type { ValidationContext } from "./types.js";

function rollout(strategy: Record<string, unknown>): Rollout {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web", namespace: "default" },
    spec: {
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web", tier: "front" } },
        spec: { containers: [{ name: "c", image: "i" }] },
      },
      strategy,
    },
  } as Rollout;
}

const service = (name: string, selector: Record<string, string>, managedBy?: string) => ({
  metadata: {
    name,
    annotations: managedBy ? { "argo-rollouts.argoproj.io/managed-by-rollouts": managedBy } : {},
  },
  spec: { selector },
});

const template = (name: string, spec: AnalysisTemplate["spec"]): AnalysisTemplate => ({
  apiVersion: "argoproj.io/v1alpha1",
  kind: "AnalysisTemplate",
  metadata: { name },
  spec,
});

const webMetric = { name: "m", provider: { web: { url: "http://x" } } };

const ingress = (name: string, backend: string) => ({
  metadata: { name },
  spec: {
    rules: [
      {
        http: {
          paths: [{ path: "/", backend: { service: { name: backend, port: { number: 80 } } } }],
        },
      },
    ],
  },
});

const tr = (routing: Record<string, unknown>) =>
  rollout({
    canary: { canaryService: "web-canary", stableService: "web-stable", trafficRouting: routing },
  });

const svcCtx: ValidationContext = {
  services: new Map<string, unknown>([
    ["web-canary", service("web-canary", { app: "web" })],
    ["web-stable", service("web-stable", { app: "web", "rollouts-pod-template-hash": "abc" })],
  ]),
};

describe("referenced objects", () => {
  it("accepts services that exist, select the template's labels and are free or ours", () => {
    const ctx: ValidationContext = {
      services: new Map<string, unknown>([
        ["active", service("active", { app: "web" }, "web")],
        ["preview", service("preview", { tier: "front" })],
      ]),
    };
    expect(
      validateRollout(
        rollout({ blueGreen: { activeService: "active", previewService: "preview" } }),
        ctx,
      ),
    ).toBeUndefined();
  });

  it.each([
    ["missing service", new Map<string, unknown>(), 'service "active" not found'],
    [
      "service managed by another rollout",
      new Map<string, unknown>([["active", service("active", { app: "web" }, "other")]]),
      'Service "active" is managed by another Rollout',
    ],
    [
      "service selecting labels the pods lack",
      new Map<string, unknown>([["active", service("active", { app: "api" })]]),
      'Service "active" has unmatch label "app" in rollout',
    ],
  ])("%s", (_name, services, message) => {
    expect(
      validateRollout(rollout({ blueGreen: { activeService: "active" } }), { services }),
    ).toMatchObject({
      field: "spec.strategy.blueGreen.activeService",
      message,
    });
  });

  it("requires analysis templates to exist until they are created (the original's TestFixInvalidSpec)", () => {
    const r = rollout({
      canary: { analysis: { templates: [{ templateName: "doesnt-exist-yet" }] } },
    });
    expect(validateRollout(r, { analysisTemplates: new Map() })).toMatchObject({
      field: "spec.strategy.canary.analysis.templates",
      message: 'analysistemplate.argoproj.io "doesnt-exist-yet" not found',
    });
    const created = new Map([
      [
        "doesnt-exist-yet",
        template("doesnt-exist-yet", { metrics: [{ ...webMetric, interval: "5s" }] }),
      ],
    ]);
    expect(validateRollout(r, { analysisTemplates: created })).toBeUndefined();
  });

  it("looks cluster-scoped templates up among ClusterAnalysisTemplates, nested ones too", () => {
    const r = rollout({
      canary: {
        steps: [{ analysis: { templates: [{ templateName: "outer", clusterScope: true }] } }],
      },
    });
    const ctx: ValidationContext = {
      analysisTemplates: new Map(),
      clusterAnalysisTemplates: new Map([
        [
          "outer",
          template("outer", { templates: [{ templateName: "inner", clusterScope: true }] }),
        ],
      ]),
    };
    expect(validateRollout(r, ctx)).toMatchObject({
      message: 'clusteranalysistemplate.argoproj.io "inner" not found',
    });
  });

  it("rejects step analyses whose metrics never finish", () => {
    const r = rollout({
      canary: { steps: [{ analysis: { templates: [{ templateName: "t" }] } }] },
    });
    const ctx = {
      analysisTemplates: new Map([
        ["t", template("t", { metrics: [{ ...webMetric, interval: "1m" }] })],
      ]),
    };
    expect(validateRollout(r, ctx)).toMatchObject({
      field: "spec.strategy.canary.steps[0].analysis.templates",
      message:
        "AnalysisTemplate t has metric m which runs indefinitely. Invalid value for count: <nil>",
    });
    const finite = {
      analysisTemplates: new Map([
        ["t", template("t", { metrics: [{ ...webMetric, interval: "1m", count: 3 }] })],
      ]),
    };
    expect(validateRollout(r, finite)).toBeUndefined();
  });

  it("resolves literal arguments before judging a templated count", () => {
    const r = rollout({
      canary: { steps: [{ analysis: { templates: [{ templateName: "t" }] } }] },
    });
    const metric = { ...webMetric, interval: "{{args.every}}", count: "{{args.runs}}" };
    const withArgs = (runs: Record<string, string>) => ({
      analysisTemplates: new Map([
        [
          "t",
          template("t", {
            metrics: [metric],
            args: [
              { name: "every", value: "5s" },
              { name: "runs", ...runs },
            ],
          }),
        ],
      ]),
    });
    expect(validateRollout(r, withArgs({ value: "2" }))).toBeUndefined();
    expect(validateRollout(r, withArgs({ value: "0" }))).toMatchObject({
      message:
        "AnalysisTemplate t has metric m which runs indefinitely. Invalid value for count: {{args.runs}}",
    });
    // A count taken from a Secret cannot be judged before the run: not an error.
    expect(validateRollout(r, withArgs({}))).toBeUndefined();
  });

  it("requires background analysis to supply every required argument", () => {
    const t = template("t", {
      metrics: [webMetric],
      args: [{ name: "service" }, { name: "ns", value: "x" }],
    });
    const ctx = { analysisTemplates: new Map([["t", t]]) };
    expect(
      validateRollout(
        rollout({ canary: { analysis: { templates: [{ templateName: "t" }] } } }),
        ctx,
      ),
    ).toMatchObject({
      field: "spec.strategy.canary.analysis.args",
      message: "args.service was not resolved",
    });
    const supplied = rollout({
      canary: {
        analysis: { templates: [{ templateName: "t" }], args: [{ name: "service", value: "s" }] },
      },
    });
    expect(validateRollout(supplied, ctx)).toBeUndefined();
  });

  it("checks that the nginx stable ingress exists and routes to the stable service", () => {
    const r = tr({ nginx: { stableIngress: "web" } });
    expect(validateRollout(r, { ...svcCtx, ingresses: new Map() })).toMatchObject({
      field: "spec.strategy.canary.trafficRouting.nginx.stableIngress",
      message: 'ingress.networking.k8s.io "web" not found',
    });
    expect(
      validateRollout(r, { ...svcCtx, ingresses: new Map([["web", ingress("web", "other")]]) }),
    ).toMatchObject({
      message: "ingress `web` has no rules using service web-stable backend",
    });
    expect(
      validateRollout(r, {
        ...svcCtx,
        ingresses: new Map([["web", ingress("web", "web-stable")]]),
      }),
    ).toBeUndefined();
  });

  it("checks ALB ingresses against rootService when set", () => {
    const r = tr({ alb: { ingress: "web", servicePort: 80, rootService: "web-root" } });
    expect(
      validateRollout(r, {
        ...svcCtx,
        ingresses: new Map([["web", ingress("web", "web-stable")]]),
      }),
    ).toMatchObject({
      field: "spec.strategy.canary.trafficRouting.alb.ingress",
      message: "ingress `web` has no rules using service web-root backend",
    });
    expect(
      validateRollout(r, { ...svcCtx, ingresses: new Map([["web", ingress("web", "web-root")]]) }),
    ).toBeUndefined();
  });

  it("checks Istio virtual services and their named routes", () => {
    const r = tr({ istio: { virtualService: { name: "vs", routes: ["primary"] } } });
    expect(validateRollout(r, { ...svcCtx, virtualServices: new Map() })).toMatchObject({
      message: 'virtualservices.networking.istio.io "vs" not found',
    });
    const vs = { spec: { http: [{ name: "secondary" }] } };
    expect(validateRollout(r, { ...svcCtx, virtualServices: new Map([["vs", vs]]) })).toMatchObject(
      {
        field: "spec.strategy.canary.trafficRouting.istio.virtualService.routes",
        message: "HTTP Route 'primary' is not found in the defined Virtual Service vs",
      },
    );
  });

  it("checks that managed Istio routes reach both services, or both subsets", () => {
    const http = (destinations: Array<Record<string, string>>) => ({
      spec: {
        http: [{ name: "primary", route: destinations.map((destination) => ({ destination })) }],
      },
    });
    const r = tr({ istio: { virtualService: { name: "vs" } } });
    const both = http([{ host: "web-stable" }, { host: "web-canary.default.svc.cluster.local" }]);
    expect(
      validateRollout(r, { ...svcCtx, virtualServices: new Map([["vs", both]]) }),
    ).toBeUndefined();
    expect(
      validateRollout(r, {
        ...svcCtx,
        virtualServices: new Map([["vs", http([{ host: "web-stable" }])]]),
      }),
    ).toMatchObject({
      field: "spec.strategy.canary.trafficRouting.istio.virtualService.routes",
      message:
        "HTTP Route 'primary' of Virtual Service vs must send traffic to both the stable service 'web-stable' and the canary service 'web-canary'",
    });
    const subsets = tr({
      istio: {
        virtualService: { name: "vs", routes: ["primary"] },
        destinationRule: { name: "dr", stableSubsetName: "stable", canarySubsetName: "canary" },
      },
    });
    const bySubset = http([
      { host: "web", subset: "stable" },
      { host: "web", subset: "canary" },
    ]);
    expect(
      validateRollout(subsets, { ...svcCtx, virtualServices: new Map([["vs", bySubset]]) }),
    ).toBeUndefined();
    const twoRoutes = { spec: { http: [{ name: "a" }, { name: "b" }] } };
    expect(
      validateRollout(r, { ...svcCtx, virtualServices: new Map([["vs", twoRoutes]]) }),
    ).toMatchObject({
      message:
        "the VirtualService must have exactly one HTTP route when spec.strategy.canary.trafficRouting.istio.virtualService.routes is omitted",
    });
  });

  it("checks Ambassador mappings exist", () => {
    const r = tr({ ambassador: { mappings: ["m1"] } });
    expect(validateRollout(r, { ...svcCtx, ambassadorMappings: new Map() })).toMatchObject({
      message: 'mappings.getambassador.io "m1" not found',
    });
  });

  it("skips reference checks whose objects the context does not carry", () => {
    expect(validateRollout(tr({ nginx: { stableIngress: "web" } }), {})).toBeUndefined();
  });
});
