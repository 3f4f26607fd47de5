// The SMI traffic router (spec/traffic-routers.md 2.4): one TrafficSplit per Rollout, created
// by the first SetWeight with a controller reference to the Rollout, then merge-patched.
import { KubeConfig } from "@kubernetes/client-node";
import {
  controllerUid,
  createOrRaced,
  type ObjectClient,
  objectAt,
  objectClient,
  patchOrRaced,
  type ResourceType,
  readRollout,
  sameJson,
} from "@sluice/router-common";
import { Capability, PluginError, type TrafficRouterPlugin } from "@sluice/sdk";
import { parseSmiConfig, type SmiApiVersion, type SmiConfig } from "./config.js";
import { desiredSpec, newTrafficSplit, SMI_GROUP, trafficSplitName } from "./traffic-split.js";

/** The name the controller registers for `trafficRouting.smi`; Init answers it. */
export const SMI_PLUGIN_NAME = "argoproj-labs/smi";
export const SMI_PLUGIN_VERSION = "0.1.0";

export function trafficSplitType(apiVersion: SmiApiVersion): ResourceType {
  return { group: SMI_GROUP, version: apiVersion, plural: "trafficsplits", kind: "TrafficSplit" };
}

const ATTEMPTS = 3;

export function createSmiRouter(
  kube: KubeConfig | ObjectClient,
  apiVersion: SmiApiVersion,
): TrafficRouterPlugin<SmiConfig> {
  const type = trafficSplitType(apiVersion);
  const splits = kube instanceof KubeConfig ? objectClient(kube, type, "sluice-plugin-smi") : kube;
  return {
    name: SMI_PLUGIN_NAME,
    version: SMI_PLUGIN_VERSION,
    parseConfig: parseSmiConfig,
    // Experiment services get their own backend with their weight (2.4, 2.7).
    capabilities: [Capability.ADDITIONAL_DESTINATIONS],
    async setWeight({ rollout, config, desiredWeight, additionalDestinations }) {
      const info = readRollout(rollout, "SMI");
      const name = trafficSplitName(info, config);
      const spec = desiredSpec(info, config, apiVersion, desiredWeight, additionalDestinations);
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        // Read from the API, not a cache, as the original does.
        const live = await splits.get(info.namespace, name);
        const mayRetry = attempt < ATTEMPTS;
        if (live === undefined) {
          const body = newTrafficSplit(name, info, apiVersion, spec);
          const created = await createOrRaced(splits, type, info.namespace, name, body, mayRetry);
          if (created === "raced") continue;
          return;
        }
        if (controllerUid(live) !== info.uid) {
          throw new PluginError(
            `Rollout does not own TrafficSplit \`${name}\`; delete TrafficSplit ${info.namespace}/${name} or set smi.trafficSplitName in Rollout ${info.namespace}/${info.name} to another name`,
          );
        }
        const liveSpec = objectAt(live, "spec") ?? {};
        // Only service and backends are the router's; other spec fields (v1alpha3 matches) stay.
        // Compared by structure: API servers may return keys in another order.
        if (
          sameJson(liveSpec.service, spec.service) &&
          sameJson(liveSpec.backends, spec.backends)
        ) {
          return;
        }
        const patched = await patchOrRaced(splits, type, info.namespace, name, { spec }, mayRetry);
        if (patched === "raced") continue;
        return;
      }
      throw new PluginError(
        `TrafficSplit ${info.namespace}/${name} kept changing while it was written; the next reconcile retries`,
        { retryable: true },
      );
    },
  };
}
