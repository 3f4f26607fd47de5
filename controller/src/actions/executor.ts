// The imperative shell of the user actions: read what the plan needs, send its patches in
// order, stop at the first failure. The decisions live in the pure functions beside it.
import { describeParseErrors, parseRollout } from "../api/parse.js";
import type { Rollout } from "../api/rollout.js";
import { actionNeedsRollout, planRolloutAction, type RolloutAction } from "./plan.js";
import { ActionError, type RolloutPatch } from "./types.js";

/** The API calls the actions make; kube-client.ts implements it with @kubernetes/client-node. */
export interface RolloutActionsClient {
  getRollout(namespace: string, name: string): Promise<unknown>;
  patchRollout(namespace: string, name: string, patch: RolloutPatch): Promise<unknown>;
  listReplicaSets(namespace: string): Promise<unknown[]>;
}

export interface ActionOutcome {
  /** The patches sent, in order. */
  sent: RolloutPatch[];
  /** The Rollout as returned by the last patch (or as read, when nothing was sent). */
  rollout?: unknown;
  message?: string;
}

export async function runRolloutAction(
  client: RolloutActionsClient,
  namespace: string,
  name: string,
  action: RolloutAction,
  now: () => Date = () => new Date(),
): Promise<ActionOutcome> {
  let rollout: Rollout = {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: { name, namespace },
    spec: { strategy: {} },
  };
  let raw: unknown;
  if (actionNeedsRollout(action)) {
    raw = await client.getRollout(namespace, name);
    const parsed = parseRollout(raw);
    if (!parsed.ok) {
      throw new ActionError(
        `${describeParseErrors("Rollout", raw, parsed.errors)}; fix the spec before running ${action.kind}`,
      );
    }
    rollout = parsed.value;
  }
  const replicaSets = action.kind === "undo" ? await client.listReplicaSets(namespace) : undefined;
  const plan = planRolloutAction(action, rollout, { now: now(), replicaSets });
  const sent: RolloutPatch[] = [];
  let last: unknown = raw;
  for (const patch of plan.patches) {
    last = await client.patchRollout(namespace, name, patch);
    sent.push(patch);
  }
  return { sent, rollout: last, ...(plan.message === undefined ? {} : { message: plan.message }) };
}
