// The NGINX traffic router (spec/traffic-routers.md 2.1): one canary Ingress per stable
// Ingress, created and owned by the Rollout, whose annotations carry the canary weight.
import { KubeConfig } from "@kubernetes/client-node";
import {
  apiError,
  controllerUid,
  createOrRaced,
  type ObjectClient,
  objectAt,
  objectClient,
  patchOrRaced,
  type ResourceType,
  type RolloutInfo,
  readRollout,
  statusOf,
} from "@sluice/router-common";
import {
  type HeaderRoute,
  type JsonObject,
  PluginError,
  type TrafficRouterPlugin,
} from "@sluice/sdk";
import {
  type AnnotationChanges,
  canaryIngressName,
  canaryPatch,
  canarySpec,
  copiedAnnotations,
  newCanaryIngress,
  weightAnnotations,
} from "./canary-ingress.js";
import { type NginxConfig, parseNginxConfig } from "./config.js";
import { HEADER_ROUTE_ANNOTATION, headerAnnotations, headerRemoval } from "./header-route.js";

/** The name the controller registers for `trafficRouting.nginx`; Init answers it. */
export const NGINX_PLUGIN_NAME = "argoproj-labs/nginx";
export const NGINX_PLUGIN_VERSION = "0.1.0";

export const INGRESS: ResourceType = {
  group: "networking.k8s.io",
  version: "v1",
  plural: "ingresses",
  kind: "Ingress",
};

/** A create racing with a delete (GC) or another writer is retried this many times. */
const ATTEMPTS = 3;

function annotation(live: JsonObject, key: string): string | undefined {
  const value = objectAt(live, "metadata", "annotations")?.[key];
  return typeof value === "string" ? value : undefined;
}

export function createNginxRouter(
  kube: KubeConfig | ObjectClient,
): TrafficRouterPlugin<NginxConfig> {
  const ingresses =
    kube instanceof KubeConfig ? objectClient(kube, INGRESS, "sluice-plugin-nginx") : kube;

  async function ownedCanary(info: RolloutInfo, name: string): Promise<JsonObject | undefined> {
    const live = await ingresses.get(info.namespace, name);
    if (live === undefined) return undefined;
    if (controllerUid(live) !== info.uid) {
      throw new PluginError(
        `canary ingress \`${name}\` controlled by different object; delete Ingress ${info.namespace}/${name} or rename the Rollout so the names do not collide`,
      );
    }
    return live;
  }

  /**
   * Brings the canary Ingress for `stableName` to the desired state: the spec from the stable
   * Ingress, the weight annotations (`weight`, or the live weight when "keep"), then `extra`.
   * Creates it when missing; patches only what differs; writes nothing when nothing does.
   */
  async function sync(
    info: RolloutInfo,
    config: NginxConfig,
    stableName: string,
    weight: number | "keep",
    extra: AnnotationChanges,
    guard: (live: JsonObject, name: string) => void = () => {},
  ): Promise<void> {
    const name = canaryIngressName(info.name, stableName);
    // The stable and canary Ingresses are read together: one round trip instead of two on
    // every call. A missing stable Ingress is reported before anything about the canary.
    const [stableRead, canaryRead] = await Promise.allSettled([
      ingresses.get(info.namespace, stableName),
      ownedCanary(info, name),
    ]);
    if (stableRead.status === "rejected") throw stableRead.reason;
    const stable = stableRead.value;
    if (stable === undefined) {
      throw new PluginError(
        `stable ingress \`${stableName}\` not found in namespace ${info.namespace}; create it or fix nginx.stableIngress(es) in Rollout ${info.namespace}/${info.name}`,
        { retryable: true },
      );
    }
    const spec = canarySpec(stable, stableName, info);
    const weightKey = `${config.annotationPrefix}/canary-weight`;
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      let live: JsonObject | undefined;
      if (attempt > 1) live = await ownedCanary(info, name);
      else if (canaryRead.status === "fulfilled") live = canaryRead.value;
      else throw canaryRead.reason;
      if (live !== undefined) guard(live, name);
      const liveWeight = live === undefined ? undefined : Number(annotation(live, weightKey));
      const effective =
        weight !== "keep"
          ? weight
          : liveWeight !== undefined && Number.isFinite(liveWeight)
            ? liveWeight
            : info.statusCanaryWeight;
      const annotations: AnnotationChanges = {
        ...copiedAnnotations(stable),
        ...weightAnnotations(config, effective, info.maxTrafficWeight),
        ...extra,
      };
      const mayRetry = attempt < ATTEMPTS;
      if (live === undefined) {
        const body = newCanaryIngress(name, info, annotations, spec);
        const created = await createOrRaced(
          ingresses,
          INGRESS,
          info.namespace,
          name,
          body,
          mayRetry,
        );
        if (created === "raced") continue;
        return;
      }
      const patch = canaryPatch(live, annotations, spec);
      if (patch === undefined) return;
      const patched = await patchOrRaced(ingresses, INGRESS, info.namespace, name, patch, mayRetry);
      if (patched === "raced") continue;
      return;
    }
    throw new PluginError(
      `canary ingress \`${name}\` in namespace ${info.namespace} kept changing while it was written; the next reconcile retries`,
      { retryable: true },
    );
  }

  /** Removes the header route from every canary Ingress that carries it (when `only` matches). */
  async function removeHeaderRoute(
    info: RolloutInfo,
    config: NginxConfig,
    only: (routeName: string) => boolean,
  ): Promise<void> {
    for (const stableName of config.stableIngresses) {
      const name = canaryIngressName(info.name, stableName);
      const live = await ingresses.get(info.namespace, name);
      // Nothing to remove on an Ingress that is missing or that this Rollout does not own.
      if (live === undefined || controllerUid(live) !== info.uid) continue;
      const current = annotation(live, HEADER_ROUTE_ANNOTATION);
      if (current === undefined || !only(current)) continue;
      const patch = canaryPatch(live, headerRemoval(config), undefined);
      if (patch === undefined) continue;
      try {
        await ingresses.mergePatch(info.namespace, name, patch);
      } catch (error) {
        if (statusOf(error) === 404) continue;
        throw apiError(error, "patch", INGRESS, info.namespace, name);
      }
    }
  }

  async function setHeaderRoute(info: RolloutInfo, config: NginxConfig, route: HeaderRoute) {
    if (route.match.length === 0) {
      await removeHeaderRoute(info, config, (current) => current === route.name);
      return;
    }
    const changes = headerAnnotations(config, route);
    const guard = (live: JsonObject, name: string) => {
      const current = annotation(live, HEADER_ROUTE_ANNOTATION);
      if (current !== undefined && current !== route.name) {
        throw new PluginError(
          `canary ingress \`${name}\` already carries header route \`${current}\`; ingress-nginx allows one header condition per canary Ingress, so remove \`${current}\` first (a setHeaderRoute step with that name and no match)`,
        );
      }
    };
    for (const stableName of config.stableIngresses) {
      await sync(info, config, stableName, "keep", changes, guard);
    }
  }

  return {
    name: NGINX_PLUGIN_NAME,
    version: NGINX_PLUGIN_VERSION,
    parseConfig: parseNginxConfig,
    async setWeight({ rollout, config, desiredWeight }) {
      // additionalDestinations are ignored: ingress-nginx has one canary per Ingress (2.1).
      const info = readRollout(rollout, "NGINX");
      for (const stableName of config.stableIngresses) {
        await sync(info, config, stableName, desiredWeight, {});
      }
    },
    async setHeaderRoute({ rollout, config, route }) {
      await setHeaderRoute(readRollout(rollout, "NGINX"), config, route);
    },
    async removeManagedRoutes({ rollout, config }) {
      // Removes the header route this plugin tracks, whatever its name: every header route is
      // a managed route, and a name dropped from managedRoutes must not leave a route behind.
      await removeHeaderRoute(readRollout(rollout, "NGINX"), config, () => true);
    },
  };
}
