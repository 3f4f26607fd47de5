// The traffic-routing parts of a canary pass that canary/plan.ts calls: ping-pong Services
// (spec/rollout-behavior.md §5.6), RS scaling (§5.1, §5.7, §5.8) and step completion (§4.4).
import type { RolloutStatus } from "../../api/rollout.js";
import type { CanaryStep } from "../../api/rollout-steps.js";
import type { PlanBuilder } from "../context.js";
import { ensureServiceTarget } from "../housekeeping.js";
import { activeCanaryScale } from "./steps.js";
import type { TrafficOutcome, WeightDecision } from "./traffic.js";
import {
  abortCanaryMode,
  atDesiredWithTraffic,
  scaleAbortedCanary,
  scaleOthersWithTraffic,
  type TrafficPass,
  trafficReplicaTargets,
} from "./traffic-replicas.js";

/**
 * §5.6: the stable-side ping-pong Service follows the stable RS (availability checked like
 * any managed Service); the canary side is pointed at the new RS before promotion without
 * an availability check. The two Services are never swapped: promotion flips the record.
 */
export function reconcileTrafficServices(
  t: TrafficPass,
  b: PlanBuilder,
  status: RolloutStatus,
  canaryBackToStable: boolean,
): void {
  const pingPong = t.canary.pingPong;
  if (pingPong === undefined) return;
  const stableIsPing = status.canary?.stablePingPong === "ping";
  const stableSide = stableIsPing ? pingPong.pingService : pingPong.pongService;
  const canarySide = stableIsPing ? pingPong.pongService : pingPong.pingService;
  const stable = t.ctx.stableRS ?? t.newRS;
  ensureServiceTarget(t.ctx, b, stableSide, stable, true);
  ensureServiceTarget(t.ctx, b, canarySide, canaryBackToStable ? stable : t.newRS, false);
}

/**
 * §3.2 step 4 with traffic routing: at most one scaling change (stable, else new, else the
 * other RSs). Counts come from §5.1; an aborted canary is kept or given a deadline (§5.8).
 */
export function scaleWithTraffic(
  t: TrafficPass,
  b: PlanBuilder,
  decision: WeightDecision,
  traffic: TrafficOutcome | undefined,
  maxUnavailable: number,
): void {
  const targets = trafficReplicaTargets(t, decision.abort.replica, traffic?.weightsAfter);
  let scaled = t.stableRS !== undefined && b.scale(t.stableRS, targets.stable);
  if (!scaled) {
    if (t.aborted && t.stableRS !== undefined) {
      const mode = abortCanaryMode(t);
      if (mode === "follow") {
        scaled = b.scale(t.newRS, targets.canary);
      } else {
        const scaleStep = activeCanaryScale(t.steps, t.index);
        scaled = scaleAbortedCanary(
          t,
          b,
          mode,
          scaleStep === undefined ? undefined : targets.canary,
        );
      }
    } else {
      scaled = b.scale(t.newRS, targets.canary);
    }
  }
  if (!scaled) scaleOthersWithTraffic(t, b, maxUnavailable);
}

/**
 * §4.4 step completion with traffic routing (RSs as read at pass start). `waitMessage` says
 * why a setWeight step that is at its replica counts still waits on the routers.
 */
export function trafficStepDone(
  t: TrafficPass,
  step: CanaryStep,
  traffic: TrafficOutcome,
): { completed: boolean; waitMessage: string | undefined } {
  if (step.setWeight !== undefined) {
    if (!atDesiredWithTraffic(t)) return { completed: false, waitMessage: undefined };
    const completed = !traffic.skipped && traffic.verified;
    return { completed, waitMessage: completed ? undefined : traffic.waitMessage };
  }
  if (step.setCanaryScale !== undefined) {
    return { completed: atDesiredWithTraffic(t), waitMessage: undefined };
  }
  if (step.setHeaderRoute !== undefined || step.setMirrorRoute !== undefined) {
    // The route was sent in this very pass (unless the stable side lacked pods).
    return { completed: !traffic.skipped, waitMessage: traffic.waitMessage };
  }
  return { completed: false, waitMessage: undefined };
}
