// Istio VirtualServices referenced by a canary (spec §8 last bullet, traffic-routers.md §2.3):
// they exist, the named HTTP routes exist, and each managed route sends traffic to both the
// stable and the canary Service (or DestinationRule subset).
import type { CanaryStrategy } from "../api/rollout.js";
import type { IstioTrafficRouting } from "../api/traffic-routing.js";
import {
  MSG_VS_SINGLE_HTTP_ROUTE,
  notFound,
  virtualServiceRouteDestinations,
  virtualServiceRouteMissing,
} from "./messages.js";
import { type Checks, invalid, type ValidationContext } from "./types.js";

function rec(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : {};
}
function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** `web-stable`, `web-stable.ns` and `web-stable.ns.svc.cluster.local` all name the Service. */
const serviceOfHost = (host: unknown): string =>
  typeof host === "string" ? (host.split(".")[0] ?? "") : "";

export function* checkIstioVirtualServices(
  canary: CanaryStrategy,
  istio: IstioTrafficRouting,
  ctx: ValidationContext,
): Checks {
  if (ctx.virtualServices === undefined) return;
  const base = "spec.strategy.canary.trafficRouting.istio";
  const single = istio.virtualService;
  const refs = single !== undefined ? [single] : (istio.virtualServices ?? []);
  // With ping-pong and no canary/stable services, Istio routes to the ping/pong pair (§2).
  const usePingPong = canary.canaryService === undefined && canary.stableService === undefined;
  const stableService = (usePingPong ? canary.pingPong?.pingService : canary.stableService) ?? "";
  const canaryService = (usePingPong ? canary.pingPong?.pongService : canary.canaryService) ?? "";
  const rule = istio.destinationRule;
  for (const [i, ref] of refs.entries()) {
    const path = single !== undefined ? `${base}.virtualService` : `${base}.virtualServices[${i}]`;
    const vs = ctx.virtualServices.get(ref.name);
    if (vs === undefined) {
      yield invalid(path, ref.name, notFound("virtualservices.networking.istio.io", ref.name));
      continue;
    }
    const http = list(rec(rec(vs).spec).http).map(rec);
    const named = ref.routes ?? [];
    for (const route of named) {
      if (!http.some((r) => r.name === route)) {
        yield invalid(`${path}.routes`, route, virtualServiceRouteMissing(route, ref.name));
      }
    }
    const tlsOrTcp = (ref.tlsRoutes ?? []).length + (ref.tcpRoutes ?? []).length > 0;
    if (named.length === 0 && tlsOrTcp) continue;
    if (named.length === 0 && http.length !== 1) {
      yield invalid(`${path}.routes`, null, MSG_VS_SINGLE_HTTP_ROUTE);
      continue;
    }
    const managed = named.length === 0 ? http : http.filter((r) => named.includes(String(r.name)));
    for (const route of managed) {
      const destinations = list(route.route).map((d) => rec(rec(d).destination));
      const reaches = (want: string, subset: boolean) =>
        destinations.some((d) => (subset ? d.subset === want : serviceOfHost(d.host) === want));
      const [stable, canaryTarget, kind] =
        rule !== undefined
          ? [rule.stableSubsetName, rule.canarySubsetName, "subset"]
          : [stableService, canaryService, "service"];
      if (!reaches(stable, rule !== undefined) || !reaches(canaryTarget, rule !== undefined)) {
        const name = typeof route.name === "string" ? route.name : "(unnamed)";
        yield invalid(
          `${path}.routes`,
          name,
          virtualServiceRouteDestinations(name, ref.name, stable, canaryTarget, kind),
        );
      }
    }
  }
}
