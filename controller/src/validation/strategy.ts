// Strategy-level checks: exactly one strategy, blue-green and anti-affinity (spec §8).
import { revisionHistoryLimitOrDefault } from "../api/defaults.js";
import type { Rollout } from "../api/rollout.js";
import { checkAntiAffinity } from "./anti-affinity.js";
import { checkCanary } from "./canary.js";
import {
  MSG_DUPLICATE_BLUE_GREEN_SERVICES,
  MSG_MULTIPLE_STRATEGIES,
  MSG_SCALE_DOWN_LIMIT_OVER_HISTORY,
  missingField,
} from "./messages.js";
import { type Checks, invalid, required } from "./types.js";

function* checkBlueGreen(rollout: Rollout): Checks {
  const blueGreen = rollout.spec.strategy.blueGreen;
  if (blueGreen === undefined) return;
  const path = "spec.strategy.blueGreen";
  if (blueGreen.activeService === "") {
    yield required(`${path}.activeService`, missingField(".spec.strategy.blueGreen.activeService"));
  }
  if (blueGreen.activeService === (blueGreen.previewService ?? "")) {
    yield {
      field: `${path}.activeService`,
      message: MSG_DUPLICATE_BLUE_GREEN_SERVICES,
      type: "Duplicate",
    };
  }
  const limit = blueGreen.scaleDownDelayRevisionLimit;
  if (limit !== undefined && revisionHistoryLimitOrDefault(rollout.spec) < limit) {
    yield invalid(`${path}.scaleDownDelayRevisionLimit`, limit, MSG_SCALE_DOWN_LIMIT_OVER_HISTORY);
  }
  yield* checkAntiAffinity(blueGreen.antiAffinity, `${path}.antiAffinity`);
}

export function* checkStrategy(rollout: Rollout): Checks {
  const { canary, blueGreen } = rollout.spec.strategy;
  if (canary === undefined && blueGreen === undefined) {
    yield required(
      "spec.strategy",
      missingField(".spec.strategy.canary or .spec.strategy.blueGreen"),
    );
  } else if (canary !== undefined && blueGreen !== undefined) {
    yield invalid("spec.strategy", "blueGreen: true canary: true", MSG_MULTIPLE_STRATEGIES);
  } else if (blueGreen !== undefined) {
    yield* checkBlueGreen(rollout);
  } else {
    yield* checkCanary(rollout);
  }
}
