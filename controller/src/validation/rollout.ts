// validateRollout: every check of spec/rollout-behavior.md §8 and traffic-routers.md §1.2,
// in the original's order; the first error wins (it becomes the InvalidSpec condition and
// the `lint` output). Pure: the cluster's objects come in through the context.
import type { Rollout } from "../api/rollout.js";
import { checkReferences } from "./references.js";
import { checkRolloutSpec } from "./rollout-spec.js";
import { checkStrategy } from "./strategy.js";
import type { Checks, ValidationContext, ValidationError } from "./types.js";

function* allChecks(rollout: Rollout, context: ValidationContext): Checks {
  yield* checkRolloutSpec(rollout, context);
  yield* checkStrategy(rollout);
  yield* checkReferences(rollout, context);
}

/** The first validation error, or undefined when the Rollout is valid. */
export function validateRollout(
  rollout: Rollout,
  context: ValidationContext = {},
): ValidationError | undefined {
  for (const error of allChecks(rollout, context)) return error;
  return undefined;
}

/** Every validation error, in order (for `lint`, which reports them all). */
export function validateRolloutAll(
  rollout: Rollout,
  context: ValidationContext = {},
): ValidationError[] {
  return [...allChecks(rollout, context)];
}
