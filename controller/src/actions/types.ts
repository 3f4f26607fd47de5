// What a user action sends: the same patches the original's kubectl plugin sends, so tools
// written against the original keep working (spec/rollout-behavior.md §4.6, §4.7).

/** One PATCH request against a Rollout (or its status subresource). */
export interface RolloutPatch {
  /** "status" ⇒ PATCH …/rollouts/<name>/status. */
  subresource?: "status";
  /** merge ⇒ application/merge-patch+json, json ⇒ application/json-patch+json (RFC 6902). */
  patchType: "merge" | "json";
  body: Record<string, unknown> | JsonPatchOperation[];
}

export type JsonPatchOperation =
  | { op: "replace" | "add" | "test"; path: string; value: unknown }
  | { op: "remove"; path: string };

/** The patches to send, in order, and what to tell the user. */
export interface ActionPlan {
  patches: RolloutPatch[];
  /** Set when nothing needs sending, e.g. `skipped rollback (…)`. */
  message?: string;
}

/** A user action that cannot apply to this Rollout; the message says why and what to do. */
export class ActionError extends Error {
  override readonly name = "ActionError";
}

export const statusMergePatch = (status: Record<string, unknown>): RolloutPatch => ({
  subresource: "status",
  patchType: "merge",
  body: { status },
});

export const specMergePatch = (spec: Record<string, unknown>): RolloutPatch => ({
  patchType: "merge",
  body: { spec },
});
