// One entry point for every user action: the CLI and the dashboard describe what the user
// asked for as data, and get back the patches to send.
import type { Rollout } from "../api/rollout.js";
import { type PromoteOptions, promote } from "./promote.js";
import { setImage } from "./set-image.js";
import { abort, pause, restart, resume, retry } from "./simple.js";
import type { ActionPlan } from "./types.js";
import { undo } from "./undo.js";

export type RolloutAction =
  | ({ kind: "promote" } & PromoteOptions)
  | { kind: "abort" }
  | { kind: "retry" }
  | { kind: "pause" }
  | { kind: "resume" }
  | { kind: "restart"; inSeconds?: number }
  | { kind: "setImage"; container: string; image: string }
  | { kind: "undo"; toRevision?: number };

export interface ActionInputs {
  now: Date;
  /** ReplicaSets in the Rollout's namespace (only `undo` reads them). */
  replicaSets?: readonly unknown[];
}

/** Does the action read the Rollout (or its ReplicaSets) before patching? */
export function actionNeedsRollout(action: RolloutAction): boolean {
  return action.kind === "promote" || action.kind === "setImage" || action.kind === "undo";
}

export function planRolloutAction(
  action: RolloutAction,
  rollout: Rollout,
  inputs: ActionInputs,
): ActionPlan {
  switch (action.kind) {
    case "promote":
      return promote(rollout, action);
    case "abort":
      return abort();
    case "retry":
      return retry();
    case "pause":
      return pause();
    case "resume":
      return resume();
    case "restart":
      return restart(inputs.now, action.inSeconds ?? 0);
    case "setImage":
      return setImage(rollout, action.container, action.image);
    case "undo":
      return undo(rollout, inputs.replicaSets ?? [], action.toRevision ?? 0);
  }
}
