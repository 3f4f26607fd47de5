import { budgetState, PDB_KEY } from "../api/disruption.js";
import { ApiError, badRequest } from "../api/errors.js";
import type { DeleteOptions, ObjectApi } from "../api/objects.js";
import type { ResourceType } from "../api/registry.js";
import { getPath, isObject, type JsonObject } from "../api/types.js";
import { podPhase, podReadySince } from "../kubelet/pod-status.js";

function deleteOptionsOf(body: JsonObject): DeleteOptions {
  const raw = isObject(body.deleteOptions) ? body.deleteOptions : {};
  const options: DeleteOptions = {};
  if (typeof raw.gracePeriodSeconds === "number")
    options.gracePeriodSeconds = raw.gracePeriodSeconds;
  if (isObject(raw.preconditions)) {
    const { uid, resourceVersion } = raw.preconditions;
    options.preconditions = {
      ...(typeof uid === "string" ? { uid } : {}),
      ...(typeof resourceVersion === "string" ? { resourceVersion } : {}),
    };
  }
  if (Array.isArray(raw.dryRun) && raw.dryRun.includes("All")) options.dryRun = true;
  return options;
}

/**
 * POST pods/NAME/eviction: deletes the pod unless a PodDisruptionBudget covering it has no
 * disruption left (429, as the API server answers, so clients such as `kubectl drain` retry).
 */
export function evictPod(
  api: ObjectApi,
  podType: ResourceType,
  namespace: string,
  name: string,
  body: unknown,
): JsonObject {
  if (!isObject(body))
    throw badRequest(
      `the body of an eviction of pod "${name}" must be a policy/v1 Eviction object`,
    );
  if (body.kind !== undefined && body.kind !== "Eviction")
    throw badRequest(
      `the body of an eviction must be of kind Eviction, got "${String(body.kind)}"`,
    );
  const bodyName = getPath(body, ["metadata", "name"]);
  if (bodyName !== undefined && bodyName !== name)
    throw badRequest(
      `name in URL does not match name in Eviction object ("${name}" vs "${String(bodyName)}")`,
    );
  const pod = api.get(podType, namespace, name);
  const options = deleteOptionsOf(body);
  const phase = podPhase(pod);
  const finished = phase === "Succeeded" || phase === "Failed" || !!pod.metadata.deletionTimestamp;
  if (!finished) {
    const budgets = api.store
      .list(PDB_KEY, namespace)
      .map((e) => e.obj)
      .map((pdb) => ({ pdb, state: budgetState(api, pdb) }))
      .filter(({ state }) => state.covers(pod));
    if (budgets.length > 1)
      throw new ApiError(
        500,
        "InternalError",
        `This pod has more than one PodDisruptionBudget, which the eviction subresource does not support (pod ${namespace}/${name}).`,
      );
    const budget = budgets[0];
    if (budget) {
      const { pdb, state } = budget;
      const podHealthy = podReadySince(pod) !== undefined;
      const alwaysAllowUnhealthy =
        getPath(pdb, ["spec", "unhealthyPodEvictionPolicy"]) === "AlwaysAllow";
      const allowed = podHealthy
        ? state.disruptionsAllowed > 0
        : alwaysAllowUnhealthy || state.currentHealthy >= state.desiredHealthy;
      if (!allowed) {
        throw new ApiError(
          429,
          "TooManyRequests",
          "Cannot evict pod as it would violate the pod's disruption budget.",
          {
            causes: [
              {
                reason: "DisruptionBudget",
                message: `The disruption budget ${pdb.metadata.name ?? ""} needs ${state.desiredHealthy} healthy pods and has ${state.currentHealthy} currently`,
                field: "",
              },
            ],
          },
        );
      }
    }
  }
  api.delete(podType, namespace, name, options);
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 };
}
