// RolloutActionsClient over @kubernetes/client-node 1.4 (CustomObjectsApi + AppsV1Api).
import {
  AppsV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { API_GROUP, API_VERSION } from "../api/common.js";
import type { RolloutActionsClient } from "./executor.js";
import type { RolloutPatch } from "./types.js";

const ROLLOUTS = { group: API_GROUP, version: API_VERSION, plural: "rollouts" } as const;

/** Field manager recorded in managedFields for writes made on a user's behalf. */
export const ACTIONS_FIELD_MANAGER = "sluice-actions";

export function kubeRolloutActionsClient(kubeConfig: KubeConfig): RolloutActionsClient {
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  return {
    async getRollout(namespace, name) {
      return custom.getNamespacedCustomObject({ ...ROLLOUTS, namespace, name });
    },
    async patchRollout(namespace, name, patch: RolloutPatch) {
      const contentType =
        patch.patchType === "json" ? PatchStrategy.JsonPatch : PatchStrategy.MergePatch;
      const options = setHeaderOptions("Content-Type", contentType);
      const request = {
        ...ROLLOUTS,
        namespace,
        name,
        body: patch.body,
        fieldManager: ACTIONS_FIELD_MANAGER,
      };
      return patch.subresource === "status"
        ? custom.patchNamespacedCustomObjectStatus(request, options)
        : custom.patchNamespacedCustomObject(request, options);
    },
    async listReplicaSets(namespace) {
      const list = await apps.listNamespacedReplicaSet({ namespace });
      return list.items;
    },
  };
}
