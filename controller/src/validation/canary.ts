// Canary strategy checks (spec/rollout-behavior.md §8 "canary", traffic-routers.md §1.2).
import type { CanaryStrategy, Rollout } from "../api/rollout.js";
import type { RolloutTrafficRouting } from "../api/traffic-routing.js";
import { checkAntiAffinity } from "./anti-affinity.js";
import {
  MSG_ALB_ROOT_SERVICE,
  MSG_DSS_WITH_SCALE_DOWN_DELAY,
  MSG_DSS_WITHOUT_TR,
  MSG_DUPLICATE_CANARY_SERVICES,
  MSG_DUPLICATE_PING_PONG,
  MSG_MAX_SURGE_MAX_UNAVAILABLE,
  MSG_MAX_TRAFFIC_WEIGHT_ROUTERS,
  MSG_PING_PONG_BOTH,
  MSG_PING_PONG_ROUTERS,
  MSG_SCALE_DOWN_DELAY_WITHOUT_TR,
  MSG_TRAFFIC_ROUTING_SERVICES,
} from "./messages.js";
import { checkSteps } from "./steps.js";
import { type Checks, invalid } from "./types.js";

const DEFAULT_INT_OR_PERCENT = "25%";

/** The raw number of an int-or-percent (the original compares unresolved values). */
function rawIntOrPercent(value: number | string): number {
  if (typeof value === "number") return value;
  const text = value.endsWith("%") ? value.slice(0, -1) : value;
  return /^[-+]?\d+$/.test(text) ? Number.parseInt(text, 10) : 0;
}

const hasPlugins = (tr: RolloutTrafficRouting): boolean => Object.keys(tr.plugins ?? {}).length > 0;

/** Routers that address pods through both canary and stable Services (§8). */
function needsBothServices(canary: CanaryStrategy, tr: RolloutTrafficRouting): boolean {
  const noPingPong = canary.pingPong === undefined;
  return (
    (tr.alb !== undefined && noPingPong) ||
    (tr.istio !== undefined && tr.istio.destinationRule === undefined && noPingPong) ||
    tr.smi !== undefined ||
    tr.apisix !== undefined ||
    tr.ambassador !== undefined ||
    tr.nginx !== undefined ||
    tr.appMesh !== undefined ||
    tr.traefik !== undefined
  );
}

export function* checkCanary(rollout: Rollout): Checks {
  const canary = rollout.spec.strategy.canary;
  if (canary === undefined) return;
  const path = "spec.strategy.canary";
  const surge = canary.maxSurge ?? DEFAULT_INT_OR_PERCENT;
  const unavailable = canary.maxUnavailable ?? DEFAULT_INT_OR_PERCENT;
  if (rawIntOrPercent(surge) === 0 && rawIntOrPercent(unavailable) === 0) {
    yield invalid(
      `${path}.maxSurge`,
      `MaxSurge: ${surge}, MaxUnavailable: ${unavailable}`,
      MSG_MAX_SURGE_MAX_UNAVAILABLE,
    );
  }
  const canaryService = canary.canaryService ?? "";
  const stableService = canary.stableService ?? "";
  if (canaryService !== "" && canaryService === stableService) {
    yield {
      field: `${path}.stableService`,
      message: MSG_DUPLICATE_CANARY_SERVICES,
      type: "Duplicate",
    };
  }
  const tr = canary.trafficRouting;
  const pingPong = canary.pingPong;
  if (pingPong !== undefined) {
    if (tr !== undefined && tr.alb === undefined && tr.istio === undefined && !hasPlugins(tr)) {
      yield invalid(`${path}.trafficRouting.alb`, null, MSG_PING_PONG_ROUTERS);
    }
    if (pingPong.pingService === "")
      yield invalid(`${path}.pingPong.pingService`, "", MSG_PING_PONG_BOTH);
    if (pingPong.pongService === "")
      yield invalid(`${path}.pingPong.pongService`, "", MSG_PING_PONG_BOTH);
    if (pingPong.pingService === pingPong.pongService) {
      yield {
        field: `${path}.pingPong.pingService`,
        message: MSG_DUPLICATE_PING_PONG,
        type: "Duplicate",
      };
    }
    if (tr?.alb !== undefined && (tr.alb.rootService ?? "") === "") {
      yield invalid(`${path}.trafficRouting.alb.rootService`, "", MSG_ALB_ROOT_SERVICE);
    }
  }
  if (tr !== undefined) {
    if (needsBothServices(canary, tr) && (stableService === "" || canaryService === "")) {
      yield invalid(`${path}.trafficRouting`, tr, MSG_TRAFFIC_ROUTING_SERVICES);
    }
    if (canary.scaleDownDelaySeconds !== undefined && canary.dynamicStableScale === true) {
      yield invalid(`${path}.dynamicStableScale`, true, MSG_DSS_WITH_SCALE_DOWN_DELAY);
    }
    if (tr.maxTrafficWeight !== undefined && tr.nginx === undefined && !hasPlugins(tr)) {
      yield invalid(
        `${path}.trafficRouting.maxTrafficWeight`,
        tr.maxTrafficWeight,
        MSG_MAX_TRAFFIC_WEIGHT_ROUTERS,
      );
    }
  } else {
    if (canary.scaleDownDelaySeconds !== undefined) {
      yield invalid(
        `${path}.scaleDownDelaySeconds`,
        canary.scaleDownDelaySeconds,
        MSG_SCALE_DOWN_DELAY_WITHOUT_TR,
      );
    }
    if (canary.dynamicStableScale === true)
      yield invalid(`${path}.dynamicStableScale`, true, MSG_DSS_WITHOUT_TR);
  }
  yield* checkSteps(rollout, canary);
  yield* checkAntiAffinity(canary.antiAffinity, `${path}.antiAffinity`);
}
