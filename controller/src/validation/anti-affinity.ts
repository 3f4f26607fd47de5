// antiAffinity: exactly one kind; weight 1..100 (spec §8).
import type { AntiAffinity } from "../api/rollout.js";
import { MSG_ANTI_AFFINITY_ONE, MSG_ANTI_AFFINITY_WEIGHT } from "./messages.js";
import { type Checks, invalid } from "./types.js";

export function* checkAntiAffinity(antiAffinity: AntiAffinity | undefined, path: string): Checks {
  if (antiAffinity === undefined) return;
  const preferred = antiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
  const requiredTerm = antiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
  if ((preferred === undefined) === (requiredTerm === undefined)) {
    yield invalid(path, antiAffinity, MSG_ANTI_AFFINITY_ONE);
  }
  if (preferred !== undefined && (preferred.weight < 1 || preferred.weight > 100)) {
    yield invalid(
      `${path}.preferredDuringSchedulingIgnoredDuringExecution.weight`,
      preferred.weight,
      MSG_ANTI_AFFINITY_WEIGHT,
    );
  }
}
