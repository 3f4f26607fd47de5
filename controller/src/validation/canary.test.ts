// Table tests for the canary checks of spec §8 "canary"/"steps" and traffic-routers.md §1.2.
import { describe, expect, it } from "vitest";
import type { Rollout } from "../api/rollout.js";
import { validateRollout } from "./rollout.js";

const template = {
  metadata: { labels: { app: "web" } },
  spec: { containers: [{ name: "web", image: "nginx:1.25" }] },
};

function canary(extra: Record<string, unknown> = {}, spec: Record<string, unknown> = {}): Rollout {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web", namespace: "default" },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web" } },
      template: structuredClone(template),
      strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }], ...extra } },
      ...spec,
    },
  } as Rollout;
}

const services = { canaryService: "web-canary", stableService: "web-stable" };

type Row = [name: string, rollout: Rollout, field: string, message: string];

const rows: Row[] = [
  // canary
  [
    "maxSurge and maxUnavailable both zero",
    canary({ maxSurge: 0, maxUnavailable: "0%" }),
    "spec.strategy.canary.maxSurge",
    "MaxSurge and MaxUnavailable both can not be zero",
  ],
  [
    "canary equals stable service",
    canary({ canaryService: "svc", stableService: "svc" }),
    "spec.strategy.canary.stableService",
    "This rollout uses the same service for the stable and canary services, but two different services are required.",
  ],
  [
    "ping-pong with SMI",
    canary({ pingPong: { pingService: "ping", pongService: "pong" }, trafficRouting: { smi: {} } }),
    "spec.strategy.canary.trafficRouting.alb",
    "Ping-pong feature works with the Istio and ALB traffic routers only",
  ],
  [
    "ping-pong without ping",
    canary({ pingPong: { pingService: "", pongService: "pong" } }),
    "spec.strategy.canary.pingPong.pingService",
    "Ping service and Pong service must to be set to use Ping Pong",
  ],
  [
    "ping-pong without pong",
    canary({ pingPong: { pingService: "ping", pongService: "" } }),
    "spec.strategy.canary.pingPong.pongService",
    "Ping service and Pong service must to be set to use Ping Pong",
  ],
  [
    "ping equals pong",
    canary({ pingPong: { pingService: "p", pongService: "p" } }),
    "spec.strategy.canary.pingPong.pingService",
    "This rollout uses the same service for the ping and pong services, but two different services are required.",
  ],
  [
    "ALB ping-pong without rootService",
    canary({
      pingPong: { pingService: "ping", pongService: "pong" },
      trafficRouting: { alb: { ingress: "i", servicePort: 80 } },
    }),
    "spec.strategy.canary.trafficRouting.alb.rootService",
    "Root service field is required for the configuration with ALB and ping-pong feature",
  ],
  ...(["smi", "nginx", "apisix", "traefik", "appMesh", "ambassador", "alb", "istio"] as const).map(
    (router): Row => [
      `${router} without canary/stable services`,
      canary({
        stableService: "web-stable",
        trafficRouting: {
          [router]: {
            smi: {},
            nginx: { stableIngress: "i" },
            apisix: {},
            traefik: { weightedTraefikServiceName: "t" },
            appMesh: {},
            ambassador: { mappings: ["m"] },
            alb: { ingress: "i", servicePort: 80 },
            istio: { virtualService: { name: "vs" } },
          }[router],
        },
      }),
      "spec.strategy.canary.trafficRouting",
      "Canary service and Stable service must to be set to use Traffic Routing",
    ],
  ),
  [
    "scaleDownDelaySeconds without traffic routing",
    canary({ scaleDownDelaySeconds: 30 }),
    "spec.strategy.canary.scaleDownDelaySeconds",
    "Canary scaleDownDelaySeconds can only be used with traffic routing",
  ],
  [
    "dynamicStableScale without traffic routing",
    canary({ dynamicStableScale: true }),
    "spec.strategy.canary.dynamicStableScale",
    "Canary dynamicStableScale can only be used with traffic routing",
  ],
  [
    "dynamicStableScale with scaleDownDelaySeconds",
    canary({
      ...services,
      dynamicStableScale: true,
      scaleDownDelaySeconds: 10,
      trafficRouting: { smi: {} },
    }),
    "spec.strategy.canary.dynamicStableScale",
    "Canary dynamicStableScale cannot be used with scaleDownDelaySeconds",
  ],
  [
    "maxTrafficWeight with SMI",
    canary({ ...services, trafficRouting: { smi: {}, maxTrafficWeight: 1000 } }),
    "spec.strategy.canary.trafficRouting.maxTrafficWeight",
    "Canary maxTrafficWeight in traffic routing only supported in Nginx and Plugins",
  ],
  // steps
  [
    "empty step",
    canary({ steps: [{}] }),
    "spec.strategy.canary.steps[0]",
    "Step must have one of the following set: experiment, setWeight, setCanaryScale or pause",
  ],
  [
    "step with setWeight and pause",
    canary({ steps: [{ setWeight: 10, pause: {} }] }),
    "spec.strategy.canary.steps[0]",
    "Step must have one of the following set: experiment, setWeight, setCanaryScale or pause",
  ],
  [
    "setWeight above 100",
    canary({ steps: [{ setWeight: 101 }] }),
    "spec.strategy.canary.steps[0].setWeight",
    "SetWeight needs to be between 0 and 100",
  ],
  [
    "setWeight above maxTrafficWeight",
    canary({
      ...services,
      steps: [{ setWeight: 20 }, { setWeight: 1001 }],
      trafficRouting: { nginx: { stableIngress: "i" }, maxTrafficWeight: 1000 },
    }),
    "spec.strategy.canary.steps[1].setWeight",
    "SetWeight needs to be between 0 and 1000",
  ],
  [
    "negative setWeight",
    canary({ steps: [{ setWeight: -1 }] }),
    "spec.strategy.canary.steps[0].setWeight",
    "SetWeight needs to be between 0 and 100",
  ],
  [
    "negative pause duration",
    canary({ steps: [{ pause: { duration: -5 } }] }),
    "spec.strategy.canary.steps[0].pause.duration",
    "Duration needs to be greater than 0",
  ],
  [
    "unparsable pause duration",
    canary({ steps: [{ pause: { duration: "ten minutes" } }] }),
    "spec.strategy.canary.steps[0].pause.duration",
    "Duration needs to be greater than 0",
  ],
  [
    "setCanaryScale without traffic routing",
    canary({ steps: [{ setCanaryScale: { replicas: 1 } }] }),
    "spec.strategy.canary.steps[0].setCanaryScale",
    "SetCanaryScale requires TrafficRouting to be set",
  ],
  [
    "setHeaderRoute with SMI",
    canary({
      ...services,
      trafficRouting: { smi: {}, managedRoutes: [{ name: "h" }] },
      steps: [{ setHeaderRoute: { name: "h" } }],
    }),
    "spec.strategy.canary.steps[0].setHeaderRoute",
    "SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix",
  ],
  [
    "setHeaderRoute match with two values",
    canary({
      ...services,
      trafficRouting: { istio: { virtualService: { name: "vs" } }, managedRoutes: [{ name: "h" }] },
      steps: [
        {
          setHeaderRoute: {
            name: "h",
            match: [{ headerName: "x", headerValue: { exact: "a", prefix: "b" } }],
          },
        },
      ],
    }),
    "spec.strategy.canary.steps[0].setHeaderRoute.match[0].headerValue",
    "StringMatch match value must have exactly one of the following: exact, regex, prefix",
  ],
  [
    "setHeaderRoute match with no value",
    canary({
      ...services,
      trafficRouting: { istio: { virtualService: { name: "vs" } }, managedRoutes: [{ name: "h" }] },
      steps: [{ setHeaderRoute: { name: "h", match: [{ headerName: "x", headerValue: {} }] } }],
    }),
    "spec.strategy.canary.steps[0].setHeaderRoute.match[0].headerValue",
    "StringMatch value missed, match value must have one of the following: exact, regex, prefix",
  ],
  [
    "setHeaderRoute regex with ALB",
    canary({
      ...services,
      trafficRouting: { alb: { ingress: "i", servicePort: 80 }, managedRoutes: [{ name: "h" }] },
      steps: [
        {
          setHeaderRoute: {
            name: "h",
            match: [{ headerName: "x", headerValue: { regex: "a.*" } }],
          },
        },
      ],
    }),
    "spec.strategy.canary.steps[0].setHeaderRoute.match[0].headerValue",
    "SetHeaderRoute match value invalid. ALB supports 'exact' value only",
  ],
  [
    "setMirrorRoute with ALB",
    canary({
      ...services,
      trafficRouting: { alb: { ingress: "i", servicePort: 80 }, managedRoutes: [{ name: "m" }] },
      steps: [{ setMirrorRoute: { name: "m" } }],
    }),
    "spec.strategy.canary.steps[0].setMirrorRoute",
    "SetMirrorRoute requires TrafficRouting, supports Istio only",
  ],
  [
    "setMirrorRoute path with two values",
    canary({
      ...services,
      trafficRouting: { istio: { virtualService: { name: "vs" } }, managedRoutes: [{ name: "m" }] },
      steps: [{ setMirrorRoute: { name: "m", match: [{ path: { exact: "/", regex: "/.*" } }] } }],
    }),
    "spec.strategy.canary.steps[0].setMirrorRoute.match[0].path",
    "StringMatch match value must have exactly one of the following: exact, regex, prefix",
  ],
  [
    "header route without managedRoutes",
    canary({
      ...services,
      trafficRouting: { istio: { virtualService: { name: "vs" } } },
      steps: [{ setHeaderRoute: { name: "h" } }],
    }),
    "spec.strategy.canary.trafficRouting.managedRoutes",
    "Rollout has missing field 'spec.strategy.canary.trafficRouting.managedRoutes'",
  ],
  [
    "mirror route not in managedRoutes",
    canary({
      ...services,
      trafficRouting: {
        istio: { virtualService: { name: "vs" } },
        managedRoutes: [{ name: "other" }],
      },
      steps: [{ setMirrorRoute: { name: "m" } }],
    }),
    "spec.strategy.canary.steps[0].setMirrorRoute.name",
    "Steps define a route that does not exist in spec.strategy.canary.trafficRouting.managedRoutes",
  ],
  [
    "experiment weight without traffic routing",
    canary({
      steps: [{ experiment: { templates: [{ name: "a", specRef: "canary", weight: 5 }] } }],
    }),
    "spec.strategy.canary.steps[0].experiment.templates[0].weight",
    "Experiment template weight cannot be set unless TrafficRouting is enabled",
  ],
  [
    "experiment weight with nginx",
    canary({
      ...services,
      trafficRouting: { nginx: { stableIngress: "i" } },
      steps: [{ experiment: { templates: [{ name: "a", specRef: "canary", weight: 5 }] } }],
    }),
    "spec.strategy.canary.steps[0].experiment.templates[0].weight",
    "Experiment template weight is only available for TrafficRouting with SMI, ALB, and Istio at this time",
  ],
  [
    "analysis arg with unresolvable metadata fieldRef",
    canary({
      steps: [
        {
          analysis: {
            templates: [{ templateName: "t" }],
            args: [{ name: "x", valueFrom: { fieldRef: { fieldPath: "metadata.generation" } } }],
          },
        },
      ],
    }),
    "spec.strategy.canary.steps[0].analysis.args",
    "Analyses arguments must refer to valid object metadata supported by downwardAPI",
  ],
  [
    "canary anti-affinity weight out of range",
    canary({ antiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { weight: 101 } } }),
    "spec.strategy.canary.antiAffinity.preferredDuringSchedulingIgnoredDuringExecution.weight",
    "AntiAffinity weight must be between 1 and 100",
  ],
  [
    "canary anti-affinity with no kind",
    canary({ antiAffinity: {} }),
    "spec.strategy.canary.antiAffinity",
    "AntiAffinity must have exactly one strategy listed",
  ],
  [
    "nginx with both stableIngress and stableIngresses",
    canary({
      ...services,
      trafficRouting: { nginx: { stableIngress: "a", stableIngresses: ["b"] } },
    }),
    "spec.strategy.canary.trafficRouting.nginx",
    "exactly one of stableIngress or stableIngresses must be set",
  ],
  [
    "ALB with neither ingress nor ingresses",
    canary({ ...services, trafficRouting: { alb: { servicePort: 80 } } }),
    "spec.strategy.canary.trafficRouting.alb",
    "exactly one of ingress or ingresses must be set",
  ],
];

describe("validateRollout: canary strategy and steps (spec §8)", () => {
  it.each(rows)("%s", (_name, rollout, field, message) => {
    expect(validateRollout(rollout)).toMatchObject({ field, message });
  });
});
