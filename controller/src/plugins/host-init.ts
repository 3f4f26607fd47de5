// Init, once per (re)connect of a plugin (DESIGN §3): wait until a freshly started child
// serves, ask Init, and refuse a plugin whose name or kind differs from its registration.
import {
  type Capability,
  type MetricProviderClient,
  PluginCallError,
  PluginKind,
  type TrafficRouterClient,
} from "@sluice/sdk";
import { errorMessage, pluginLogger } from "../runtime/logger.js";
import type { PluginHostOptions } from "./host.js";
import type { PluginFailure, PluginFailureReason } from "./host-types.js";
import type { PluginEntry, PluginKindName } from "./registry.js";

export interface Connection<C extends TrafficRouterClient | MetricProviderClient> {
  entry: PluginEntry;
  client: C;
  /** The supervisor generation (child) or reconnect count (remote) that Init succeeded for. */
  initialisedFor: number | undefined;
  /** Bumped after a transport failure of a remote plugin: Init again before the next call. */
  epoch: number;
  initializing: Promise<PluginFailure | undefined> | undefined;
  /** A refusal is remembered for the generation it happened in (re-checked after a restart). */
  refused: { epoch: number; failure: PluginFailure; at: number } | undefined;
  probeFailures: number;
  /** What the last successful Init declared (common.proto `Capability`). */
  capabilities: ReadonlySet<Capability>;
}

export type AnyClient = TrafficRouterClient | MetricProviderClient;

/** What initialisePlugin needs from the host. */
export interface InitContext {
  options: PluginHostOptions;
  timeoutMs: number;
  guard<T>(promise: Promise<T>, method: string, address: string): Promise<T>;
  transportMessage(conn: Connection<AnyClient>, error: unknown): string;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export async function initialisePlugin(
  ctx: InitContext,
  kind: PluginKindName,
  conn: Connection<AnyClient>,
  epoch: number,
): Promise<PluginFailure | undefined> {
  const name = conn.entry.name;
  const log = pluginLogger(ctx.options.log, name);
  const failure = (
    reason: PluginFailureReason,
    message: string,
    retryable: boolean,
  ): PluginFailure => ({ plugin: name, method: "Init", reason, message, retryable });
  // A child that was just started needs a moment to open its socket: wait for its health
  // service rather than failing the first call.
  if (conn.entry.location.type === "file") {
    const deadline = Date.now() + (ctx.options.startTimeoutMs ?? 10_000);
    let last = "";
    for (;;) {
      try {
        const health = await ctx.guard(
          conn.client.health({ timeoutMs: 1_000 }),
          "Health",
          conn.client.address,
        );
        if (health === "SERVING") break;
        last = `health service answers ${health}`;
      } catch (error) {
        last = error instanceof PluginCallError ? error.details : errorMessage(error);
      }
      if (Date.now() > deadline)
        return failure(
          "transport",
          `the plugin process did not become ready within ${ctx.options.startTimeoutMs ?? 10_000} ms (${last})`,
          true,
        );
      await sleep(100);
    }
  }
  const started = performance.now();
  let reply: Awaited<ReturnType<AnyClient["init"]>>;
  try {
    reply = await ctx.guard(
      conn.client.init(
        { controllerVersion: ctx.options.controllerVersion ?? "" },
        { timeoutMs: ctx.timeoutMs },
      ),
      "Init",
      conn.client.address,
    );
  } catch (error) {
    ctx.options.metrics?.observePluginCall(
      name,
      "Init",
      (performance.now() - started) / 1000,
      "transport",
    );
    return failure("transport", ctx.transportMessage(conn, error), true);
  }
  ctx.options.metrics?.observePluginCall(
    name,
    "Init",
    (performance.now() - started) / 1000,
    reply.error === undefined ? undefined : "domain",
  );
  if (reply.error !== undefined) {
    const message = `Init answered an error: ${reply.error.message}`;
    log.warn({ error: reply.error.message }, "plugin Init failed");
    ctx.options.onPluginProblem?.(name, "PluginInitFailed", `plugin ${name}: ${message}`);
    return failure("init", message, true);
  }
  const wantKind =
    kind === "trafficrouter" ? PluginKind.TRAFFIC_ROUTER : PluginKind.METRIC_PROVIDER;
  let refusal: string | undefined;
  if (reply.name !== name) {
    refusal = `refused: the process at ${conn.client.address} says it is "${reply.name}" but is registered as "${name}"; fix the name or location in argo-rollouts-config`;
  } else if (reply.kind !== wantKind) {
    refusal = `refused: registered as a ${kind === "trafficrouter" ? "traffic router" : "metric provider"} but Init says kind ${PluginKind[reply.kind] ?? reply.kind}`;
  }
  if (refusal !== undefined) {
    const refused = failure("refused", refusal, false);
    conn.refused = { epoch, failure: refused, at: Date.now() };
    log.error({ answeredName: reply.name, answeredKind: reply.kind }, refusal);
    ctx.options.onPluginProblem?.(name, "PluginRefused", `plugin ${name}: ${refusal}`);
    return refused;
  }
  conn.refused = undefined;
  conn.capabilities = new Set(reply.capabilities);
  conn.initialisedFor = epoch;
  log.info({ version: reply.version, epoch }, "plugin initialised");
  return undefined;
}
