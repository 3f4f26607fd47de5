// Example traffic router: keeps the weights it was asked for in memory and verifies them
// against that memory. It shows every optional method of the contract; a real router would
// write an Ingress or a VirtualService where this one writes to a Map.
//
// Run: node sdk/examples/dist/memory-router.js --listen unix:///tmp/memory-router.sock
// Config block (spec.strategy.canary.trafficRouting.plugins["example/memory-router"]):
//   { "routeName": "web" }            routeName is required; no other field is accepted.
import {
  type HeaderRoute,
  type MirrorRoute,
  requireString,
  serveTrafficRouter,
  strictObject,
  stringAt,
  WeightVerification,
} from "@sluice/sdk";

interface MemoryRouterConfig {
  routeName: string;
}

interface RouteState {
  canaryWeight: number;
  canaryHash: string;
  stableHash: string;
  headerRoutes: Map<string, HeaderRoute>;
  mirrorRoutes: Map<string, MirrorRoute>;
}

const routes = new Map<string, RouteState>();

function stateFor(rollout: Record<string, unknown>, config: MemoryRouterConfig): RouteState {
  const key = `${stringAt(rollout, "metadata", "namespace") ?? "default"}/${stringAt(rollout, "metadata", "name") ?? ""}/${config.routeName}`;
  let state = routes.get(key);
  if (state === undefined) {
    state = {
      canaryWeight: 0,
      canaryHash: "",
      stableHash: "",
      headerRoutes: new Map(),
      mirrorRoutes: new Map(),
    };
    routes.set(key, state);
  }
  return state;
}

await serveTrafficRouter<MemoryRouterConfig>({
  name: "example/memory-router",
  version: "1.0.0",
  parseConfig: (raw) => ({
    routeName: requireString(strictObject(raw, ["routeName"]), "routeName"),
  }),
  setWeight({ rollout, config, desiredWeight }) {
    stateFor(rollout, config).canaryWeight = desiredWeight;
  },
  verifyWeight({ rollout, config, desiredWeight }) {
    return stateFor(rollout, config).canaryWeight === desiredWeight
      ? WeightVerification.VERIFIED
      : WeightVerification.NOT_VERIFIED;
  },
  updateHash({ rollout, config, canaryHash, stableHash }) {
    Object.assign(stateFor(rollout, config), { canaryHash, stableHash });
  },
  setHeaderRoute({ rollout, config, route }) {
    const { headerRoutes } = stateFor(rollout, config);
    if (route.match.length === 0) headerRoutes.delete(route.name);
    else headerRoutes.set(route.name, route);
  },
  setMirrorRoute({ rollout, config, route }) {
    const { mirrorRoutes } = stateFor(rollout, config);
    if (route.match.length === 0) mirrorRoutes.delete(route.name);
    else mirrorRoutes.set(route.name, route);
  },
  removeManagedRoutes({ rollout, config }) {
    const state = stateFor(rollout, config);
    state.headerRoutes.clear();
    state.mirrorRoutes.clear();
  },
});
