// The TrafficSplit the router wants (spec/traffic-routers.md 2.4). Pure: router.ts does I/O.
import { ownerReference, type RolloutInfo } from "@sluice/router-common";
import { type JsonObject, PluginError, type WeightDestination } from "@sluice/sdk";
import type { SmiApiVersion, SmiConfig } from "./config.js";

export const SMI_GROUP = "split.smi-spec.io";

export function trafficSplitName(info: RolloutInfo, config: SmiConfig): string {
  return config.trafficSplitName ?? info.name;
}

/**
 * `spec.service` and `spec.backends` in the original's order: canary, each additional
 * destination, stable with what is left of 100 (hard-coded 100, as the original).
 * v1alpha1 weights are Kubernetes quantities, written as strings; later versions use integers.
 */
export function desiredSpec(
  info: RolloutInfo,
  config: SmiConfig,
  apiVersion: SmiApiVersion,
  desiredWeight: number,
  additional: readonly WeightDestination[],
): JsonObject {
  const stableWeight =
    100 - desiredWeight - additional.reduce((sum, destination) => sum + destination.weight, 0);
  if (desiredWeight < 0 || stableWeight < 0) {
    throw new PluginError(
      `TrafficSplit for Rollout ${info.namespace}/${info.name}: canary ${desiredWeight} plus additional destinations exceed 100`,
    );
  }
  const weight = (value: number): number | string =>
    apiVersion === "v1alpha1" ? String(value) : value;
  return {
    service: config.rootService ?? info.stableService,
    backends: [
      { service: info.canaryService, weight: weight(desiredWeight) },
      ...additional.map((destination) => ({
        service: destination.serviceName,
        weight: weight(destination.weight),
      })),
      { service: info.stableService, weight: weight(stableWeight) },
    ],
  };
}

export function newTrafficSplit(
  name: string,
  info: RolloutInfo,
  apiVersion: SmiApiVersion,
  spec: JsonObject,
): JsonObject {
  return {
    apiVersion: `${SMI_GROUP}/${apiVersion}`,
    kind: "TrafficSplit",
    metadata: { name, namespace: info.namespace, ownerReferences: [ownerReference(info)] },
    spec,
  };
}
