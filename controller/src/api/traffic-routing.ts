// spec.strategy.canary.trafficRouting (spec/rollout-behavior.md §1.4, spec/traffic-routers.md §1–2).
import { type Static, Type } from "@sinclair/typebox";
import { FreeObject, Int32, StringMap } from "./schema-helpers.js";

export const StringMatchSchema = Type.Object(
  {
    exact: Type.Optional(Type.String()),
    prefix: Type.Optional(Type.String()),
    regex: Type.Optional(Type.String()),
  },
  { description: "Exactly one of exact, prefix or regex." },
);
export type StringMatch = Static<typeof StringMatchSchema>;

export const HeaderRoutingMatchSchema = Type.Object({
  headerName: Type.String(),
  headerValue: StringMatchSchema,
});
export type HeaderRoutingMatch = Static<typeof HeaderRoutingMatchSchema>;

export const RouteMatchSchema = Type.Object({
  method: Type.Optional(StringMatchSchema),
  path: Type.Optional(StringMatchSchema),
  headers: Type.Optional(Type.Record(Type.String(), StringMatchSchema)),
});
export type RouteMatch = Static<typeof RouteMatchSchema>;

/** A weight given to one destination; also the shape of status.canary.weights.* */
export const WeightDestinationSchema = Type.Object({
  weight: Int32(),
  serviceName: Type.Optional(Type.String()),
  podTemplateHash: Type.Optional(Type.String()),
});
export type WeightDestination = Static<typeof WeightDestinationSchema>;

export const ManagedRouteSchema = Type.Object({ name: Type.String() });
export type ManagedRoute = Static<typeof ManagedRouteSchema>;

const NameRef = Type.Object({ name: Type.String() });

export const IstioVirtualServiceSchema = Type.Object({
  name: Type.String(),
  routes: Type.Optional(Type.Array(Type.String())),
  tlsRoutes: Type.Optional(
    Type.Array(
      Type.Object({
        port: Type.Optional(Int32()),
        sniHosts: Type.Optional(Type.Array(Type.String())),
      }),
    ),
  ),
  tcpRoutes: Type.Optional(Type.Array(Type.Object({ port: Type.Optional(Int32()) }))),
});
export type IstioVirtualService = Static<typeof IstioVirtualServiceSchema>;

export const IstioTrafficRoutingSchema = Type.Object({
  virtualService: Type.Optional(IstioVirtualServiceSchema),
  virtualServices: Type.Optional(Type.Array(IstioVirtualServiceSchema)),
  destinationRule: Type.Optional(
    Type.Object({
      name: Type.String(),
      canarySubsetName: Type.String(),
      stableSubsetName: Type.String(),
      additionalSubsetNames: Type.Optional(Type.Array(Type.String())),
    }),
  ),
});
export type IstioTrafficRouting = Static<typeof IstioTrafficRoutingSchema>;

export const NginxTrafficRoutingSchema = Type.Object({
  annotationPrefix: Type.Optional(
    Type.String({ description: "default nginx.ingress.kubernetes.io" }),
  ),
  stableIngress: Type.Optional(Type.String()),
  stableIngresses: Type.Optional(Type.Array(Type.String())),
  additionalIngressAnnotations: Type.Optional(StringMap()),
  canaryIngressAnnotations: Type.Optional(StringMap()),
});
export type NginxTrafficRouting = Static<typeof NginxTrafficRoutingSchema>;

export const AlbTrafficRoutingSchema = Type.Object({
  ingress: Type.Optional(Type.String()),
  ingresses: Type.Optional(Type.Array(Type.String())),
  servicePort: Int32(),
  rootService: Type.Optional(Type.String()),
  annotationPrefix: Type.Optional(
    Type.String({ description: "default alb.ingress.kubernetes.io" }),
  ),
  stickinessConfig: Type.Optional(
    Type.Object({ enabled: Type.Boolean(), durationSeconds: Type.Integer({ format: "int64" }) }),
  ),
});
export type AlbTrafficRouting = Static<typeof AlbTrafficRoutingSchema>;

export const SmiTrafficRoutingSchema = Type.Object({
  rootService: Type.Optional(Type.String()),
  trafficSplitName: Type.Optional(Type.String()),
});
export type SmiTrafficRouting = Static<typeof SmiTrafficRoutingSchema>;

export const AmbassadorTrafficRoutingSchema = Type.Object({ mappings: Type.Array(Type.String()) });
export type AmbassadorTrafficRouting = Static<typeof AmbassadorTrafficRoutingSchema>;

export const AppMeshTrafficRoutingSchema = Type.Object({
  virtualService: Type.Optional(
    Type.Object({ name: Type.String(), routes: Type.Optional(Type.Array(Type.String())) }),
  ),
  virtualNodeGroup: Type.Optional(
    Type.Object({ canaryVirtualNodeRef: NameRef, stableVirtualNodeRef: NameRef }),
  ),
});
export type AppMeshTrafficRouting = Static<typeof AppMeshTrafficRoutingSchema>;

export const TraefikTrafficRoutingSchema = Type.Object({
  weightedTraefikServiceName: Type.String(),
});
export type TraefikTrafficRouting = Static<typeof TraefikTrafficRoutingSchema>;

export const ApisixTrafficRoutingSchema = Type.Object({
  route: Type.Optional(
    Type.Object({ name: Type.String(), rules: Type.Optional(Type.Array(Type.String())) }),
  ),
});
export type ApisixTrafficRouting = Static<typeof ApisixTrafficRoutingSchema>;

export const RolloutTrafficRoutingSchema = Type.Object({
  istio: Type.Optional(IstioTrafficRoutingSchema),
  nginx: Type.Optional(NginxTrafficRoutingSchema),
  alb: Type.Optional(AlbTrafficRoutingSchema),
  smi: Type.Optional(SmiTrafficRoutingSchema),
  ambassador: Type.Optional(AmbassadorTrafficRoutingSchema),
  appMesh: Type.Optional(AppMeshTrafficRoutingSchema),
  traefik: Type.Optional(TraefikTrafficRoutingSchema),
  apisix: Type.Optional(ApisixTrafficRoutingSchema),
  plugins: Type.Optional(
    Type.Record(Type.String(), FreeObject(), {
      description:
        "Router plugins by registered name; each value is the plugin's own configuration.",
    }),
  ),
  managedRoutes: Type.Optional(
    Type.Array(ManagedRouteSchema, { description: "Order is precedence." }),
  ),
  maxTrafficWeight: Type.Optional(Int32("Total weight; nginx and plugins only. Default 100.")),
});
export type RolloutTrafficRouting = Static<typeof RolloutTrafficRoutingSchema>;
