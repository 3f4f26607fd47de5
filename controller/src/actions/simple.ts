// Actions whose patch does not depend on the Rollout's state.
import { ActionError, type ActionPlan, specMergePatch, statusMergePatch } from "./types.js";

/** abort: the controller rolls back to the stable ReplicaSet (§4.7). */
export const abort = (): ActionPlan => ({ patches: [statusMergePatch({ abort: true })] });

/** retry: clears an abort; the controller restarts from step 0 (§4.7). */
export const retry = (): ActionPlan => ({ patches: [statusMergePatch({ abort: false })] });

/** pause: manual pause through spec.paused (§3.4). */
export const pause = (): ActionPlan => ({ patches: [specMergePatch({ paused: true })] });

/**
 * resume: undoes `pause` (spec.paused=false). The original's plugin has no separate resume
 * command; its `promote` also unpauses, and is what continues past a pause step.
 */
export const resume = (): ActionPlan => ({ patches: [specMergePatch({ paused: false })] });

/** RFC 3339 UTC with second precision, as the original writes restartAt. */
export function rfc3339Seconds(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}

/** restart: pods created before spec.restartAt are evicted (§7.7); `inSeconds` delays it. */
export function restart(now: Date, inSeconds = 0): ActionPlan {
  if (!Number.isFinite(inSeconds) || inSeconds < 0) {
    throw new ActionError(
      `restart delay must be a non-negative number of seconds, got ${inSeconds}`,
    );
  }
  return {
    patches: [
      specMergePatch({ restartAt: rfc3339Seconds(new Date(now.getTime() + inSeconds * 1000)) }),
    ],
  };
}

/** terminate an AnalysisRun or Experiment (spec.terminate). */
export const terminate = (): ActionPlan => ({ patches: [specMergePatch({ terminate: true })] });
