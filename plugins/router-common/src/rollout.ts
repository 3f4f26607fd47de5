// What the router reads from the Rollout the controller sends (spec/traffic-routers.md 1.2):
// identity for the owner reference, the canary/stable Services, maxTrafficWeight,
// managedRoutes, and the weight already recorded in status.
import { isJsonObject, type JsonObject, PluginError, stringAt } from "@sluice/sdk";

export interface RolloutInfo {
  name: string;
  namespace: string;
  uid: string;
  canaryService: string;
  stableService: string;
  /** trafficRouting.maxTrafficWeight when set (NGINX writes it as canary-weight-total). */
  maxTrafficWeight: number | undefined;
  /** Names in trafficRouting.managedRoutes, in order. */
  managedRoutes: string[];
  /** status.canary.weights.canary.weight, 0 when absent. */
  statusCanaryWeight: number;
}

function objectAt(object: JsonObject, ...path: string[]): JsonObject | undefined {
  let current: unknown = object;
  for (const key of path) {
    if (!isJsonObject(current)) return undefined;
    current = current[key];
  }
  return isJsonObject(current) ? current : undefined;
}

export function readRollout(rollout: JsonObject, router: string): RolloutInfo {
  const name = stringAt(rollout, "metadata", "name") ?? "";
  const namespace = stringAt(rollout, "metadata", "namespace") || "default";
  const uid = stringAt(rollout, "metadata", "uid") ?? "";
  const id = `Rollout ${namespace}/${name || "<unnamed>"}`;
  if (name === "") throw new PluginError(`invalid request: the Rollout has no metadata.name`);
  if (uid === "") {
    throw new PluginError(
      `invalid request: ${id} has no metadata.uid, which the ${router} router needs for the owner reference`,
    );
  }
  const canary = objectAt(rollout, "spec", "strategy", "canary") ?? {};
  const canaryService = typeof canary.canaryService === "string" ? canary.canaryService : "";
  const stableService = typeof canary.stableService === "string" ? canary.stableService : "";
  if (canaryService === "" || stableService === "") {
    throw new PluginError(
      `${id}: the ${router} router needs spec.strategy.canary.canaryService and stableService; set both`,
    );
  }
  const routing = objectAt(canary, "trafficRouting") ?? {};
  const max = routing.maxTrafficWeight;
  const managed = Array.isArray(routing.managedRoutes) ? routing.managedRoutes : [];
  const weight = objectAt(rollout, "status", "canary", "weights", "canary")?.weight;
  return {
    name,
    namespace,
    uid,
    canaryService,
    stableService,
    maxTrafficWeight: typeof max === "number" && Number.isFinite(max) ? max : undefined,
    managedRoutes: managed.flatMap((route) =>
      isJsonObject(route) && typeof route.name === "string" ? [route.name] : [],
    ),
    statusCanaryWeight: typeof weight === "number" && Number.isFinite(weight) ? weight : 0,
  };
}

/** The controller reference every object the router creates carries (GC with the Rollout). */
export function ownerReference(rollout: RolloutInfo): JsonObject {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    name: rollout.name,
    uid: rollout.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The uid of the object's controller reference, if it has one. */
export function controllerUid(object: JsonObject): string | undefined {
  const refs = objectAt(object, "metadata")?.ownerReferences;
  if (!Array.isArray(refs)) return undefined;
  for (const ref of refs) {
    if (isJsonObject(ref) && ref.controller === true && typeof ref.uid === "string") return ref.uid;
  }
  return undefined;
}

export { objectAt };
