// set image: change container images in spec.template. The original's plugin reads the
// Rollout and PUTs it back; we send the equivalent RFC 6902 patch with a `test` on each
// container name, so a concurrent edit of the container list fails instead of being lost.
import type { Rollout } from "../api/rollout.js";
import { ActionError, type ActionPlan, type JsonPatchOperation } from "./types.js";

const CONTAINER_LISTS = ["initContainers", "containers", "ephemeralContainers"] as const;

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/** `container` is a container name, or `*` for every container. */
export function setImage(rollout: Rollout, container: string, image: string): ActionPlan {
  const name = rollout.metadata.name ?? "";
  if (image.trim() === "") throw new ActionError("image must not be empty");
  if (rollout.spec.workloadRef !== undefined) {
    const ref = rollout.spec.workloadRef;
    throw new ActionError(
      `rollout '${name}' takes its pod template from ${ref.kind ?? "a workload"} '${ref.name ?? ""}' (spec.workloadRef): set the image there`,
    );
  }
  const podSpec = rollout.spec.template?.spec ?? {};
  const ops: JsonPatchOperation[] = [];
  for (const list of CONTAINER_LISTS) {
    const containers = podSpec[list];
    if (!Array.isArray(containers)) continue;
    containers.forEach((c: unknown, i: number) => {
      const entry = asRecord(c);
      if (entry === undefined || (container !== "*" && entry.name !== container)) return;
      const base = `/spec/template/spec/${list}/${i}`;
      ops.push({ op: "test", path: `${base}/name`, value: entry.name });
      ops.push({
        op: entry.image === undefined ? "add" : "replace",
        path: `${base}/image`,
        value: image,
      });
    });
  }
  if (ops.length === 0)
    throw new ActionError(`unable to find container named "${container}" in rollout '${name}'`);
  return { patches: [{ patchType: "json", body: ops }] };
}
