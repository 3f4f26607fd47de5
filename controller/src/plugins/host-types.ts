// The values the plugin host hands back: a call's outcome is data, never an exception, so a
// reconciler can put it in a status message (DESIGN §3).
import type { MetricProviderClient, TrafficRouterClient } from "@sluice/sdk";

/** Why a plugin call did not succeed. */
export type PluginFailureReason =
  | "unregistered"
  | "unavailable"
  | "start"
  | "transport"
  | "init"
  | "refused"
  | "domain";

export interface PluginFailure {
  plugin: string;
  /** The contract method, e.g. SetWeight. */
  method: string;
  reason: PluginFailureReason;
  message: string;
  /** True when a later retry may succeed without any change by the user. */
  retryable: boolean;
}

export type PluginResult<T> = { ok: true; value: T } | { ok: false; error: PluginFailure };

/** "plugin argoproj-labs/nginx: SetWeight failed: ..." for status.message and Events. */
export function describeFailure(failure: PluginFailure): string {
  return `plugin ${failure.plugin}: ${failure.method} failed: ${failure.message}`;
}

type Req<F> = F extends (request: infer R, ...rest: never[]) => unknown ? R : never;
type Res<F> = F extends (...args: never[]) => Promise<infer R> ? R : never;

/** A traffic-router plugin as the executor uses it. */
export interface RouterPlugin {
  readonly name: string;
  setWeight(
    r: Req<TrafficRouterClient["setWeight"]>,
  ): Promise<PluginResult<Res<TrafficRouterClient["setWeight"]>>>;
  verifyWeight(
    r: Req<TrafficRouterClient["verifyWeight"]>,
  ): Promise<PluginResult<Res<TrafficRouterClient["verifyWeight"]>>>;
  updateHash(
    r: Req<TrafficRouterClient["updateHash"]>,
  ): Promise<PluginResult<Res<TrafficRouterClient["updateHash"]>>>;
  setHeaderRoute(
    r: Req<TrafficRouterClient["setHeaderRoute"]>,
  ): Promise<PluginResult<Res<TrafficRouterClient["setHeaderRoute"]>>>;
  setMirrorRoute(
    r: Req<TrafficRouterClient["setMirrorRoute"]>,
  ): Promise<PluginResult<Res<TrafficRouterClient["setMirrorRoute"]>>>;
  removeManagedRoutes(
    r: Req<TrafficRouterClient["removeManagedRoutes"]>,
  ): Promise<PluginResult<Res<TrafficRouterClient["removeManagedRoutes"]>>>;
}

/** A metric-provider plugin as the analysis reconciler uses it. */
export interface MetricProviderPlugin {
  readonly name: string;
  run(r: Req<MetricProviderClient["run"]>): Promise<PluginResult<Res<MetricProviderClient["run"]>>>;
  resume(
    r: Req<MetricProviderClient["resume"]>,
  ): Promise<PluginResult<Res<MetricProviderClient["resume"]>>>;
  terminate(
    r: Req<MetricProviderClient["terminate"]>,
  ): Promise<PluginResult<Res<MetricProviderClient["terminate"]>>>;
  /**
   * The request may be given as a function: it is built only when the call is made (a plugin
   * without CAPABILITY_GARBAGE_COLLECT is not called, and encoding the run for nothing was a
   * measurable share of each pass once every measurement trimmed an old one).
   */
  garbageCollect(
    r:
      | Req<MetricProviderClient["garbageCollect"]>
      | (() => Req<MetricProviderClient["garbageCollect"]>),
  ): Promise<PluginResult<Res<MetricProviderClient["garbageCollect"]>>>;
  getMetadata(
    r: Req<MetricProviderClient["getMetadata"]>,
  ): Promise<PluginResult<Res<MetricProviderClient["getMetadata"]>>>;
}
