// The plugin host (DESIGN §2–3): resolves a registered plugin name to a connected, initialised
// client; every call has a deadline, is counted in the per-plugin metrics, and comes back as a
// value (PluginResult) the caller can put in a status message. Nothing here throws into a
// reconciler or waits without a deadline.
import { readFileSync } from "node:fs";
import {
  Capability,
  type ConnectOptions,
  connectMetricProvider,
  connectTrafficRouter,
  type MetricProviderClient,
  PluginCallError,
  type TrafficRouterClient,
  WeightVerification,
} from "@sluice/sdk";
import type { Logger } from "pino";
import { errorMessage, pluginLogger } from "../runtime/logger.js";
import type { ControllerMetrics } from "../runtime/metrics.js";
import { type AnyClient, type Connection, initialisePlugin } from "./host-init.js";
import type {
  MetricProviderPlugin,
  PluginFailure,
  PluginFailureReason,
  PluginResult,
  RouterPlugin,
} from "./host-types.js";
import type { PluginEntry, PluginKindName, PluginRegistry } from "./registry.js";
import { entryFingerprint } from "./registry-types.js";
import { PluginSupervisor, type SupervisorOptions } from "./supervisor.js";

export {
  describeFailure,
  type MetricProviderPlugin,
  type PluginFailure,
  type PluginFailureReason,
  type PluginResult,
  type RouterPlugin,
} from "./host-types.js";

export interface PluginHostOptions {
  registry: PluginRegistry;
  log: Logger;
  metrics?: Pick<ControllerMetrics, "observePluginCall">;
  /** Deadline of every call (Init included). Default 5 s. */
  callTimeoutMs?: number;
  /** How long a freshly started child may take to answer its health service. Default 10 s. */
  startTimeoutMs?: number;
  /** Health probe period of connected plugins; 0 disables. Default 10 s. */
  probeIntervalMs?: number;
  /** Consecutive failed probes after which a child process is killed and restarted. Default 3. */
  probeFailures?: number;
  supervisor?: Omit<SupervisorOptions, "log">;
  /** A plugin was refused or failed its Init: the controller turns this into an Event. */
  onPluginProblem?: (
    plugin: string,
    reason: "PluginRefused" | "PluginInitFailed",
    message: string,
  ) => void;
  controllerVersion?: string;
}

const METHOD_NAMES: Record<string, string> = {
  setWeight: "SetWeight",
  verifyWeight: "VerifyWeight",
  updateHash: "UpdateHash",
  setHeaderRoute: "SetHeaderRoute",
  setMirrorRoute: "SetMirrorRoute",
  removeManagedRoutes: "RemoveManagedRoutes",
  run: "Run",
  resume: "Resume",
  terminate: "Terminate",
  garbageCollect: "GarbageCollect",
  getMetadata: "GetMetadata",
};

/** A remote plugin that refused its Init is asked again after this long. */
const REMOTE_REFUSAL_RETRY_MS = 30_000;

/** Metric provider handles kept (per plugin name and deadline; names come from config). */
const MAX_PROVIDER_HANDLES = 1_000;

export class PluginHost {
  readonly supervisor: PluginSupervisor;
  private readonly connections = new Map<string, Connection<AnyClient>>();
  private readonly providerHandles = new Map<string, MetricProviderPlugin>();
  private readonly timeoutMs: number;
  private readonly probeTimer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;
  private stopped = false;
  private probing = false;

  constructor(private readonly options: PluginHostOptions) {
    this.timeoutMs = options.callTimeoutMs ?? 5_000;
    this.supervisor = new PluginSupervisor({ log: options.log, ...options.supervisor });
    this.unsubscribe = options.registry.onChange((change) => {
      for (const { kind, name } of change) void this.forget(`${kind}\u0000${name}`);
    });
    const interval = options.probeIntervalMs ?? 10_000;
    if (interval > 0) {
      this.probeTimer = setInterval(() => void this.probe(), interval);
      this.probeTimer.unref();
    }
  }

  routerFor(name: string): RouterPlugin {
    const call =
      <K extends keyof RouterPlugin & keyof TrafficRouterClient>(
        method: K,
        skip?: { unless: Capability; answer: object },
      ) =>
      (request: never) =>
        this.call(
          "trafficrouter",
          name,
          METHOD_NAMES[method] ?? method,
          undefined,
          skip,
          (c: TrafficRouterClient, timeoutMs) =>
            (
              c[method] as (
                r: unknown,
                o: { timeoutMs: number },
              ) => Promise<{ error?: { message: string; retryable: boolean } }>
            )(request, { timeoutMs }),
        );
    return {
      name,
      setWeight: call("setWeight"),
      // common.proto: without CAPABILITY_VERIFY_WEIGHT the controller may skip the call and
      // take NOT_IMPLEMENTED. The NGINX and SMI routers verify nothing: at 5,000 Rollouts
      // these calls were a third of all router calls.
      verifyWeight: call("verifyWeight", {
        unless: Capability.VERIFY_WEIGHT,
        answer: { verification: WeightVerification.NOT_IMPLEMENTED },
      }),
      updateHash: call("updateHash"),
      setHeaderRoute: call("setHeaderRoute"),
      setMirrorRoute: call("setMirrorRoute"),
      removeManagedRoutes: call("removeManagedRoutes"),
    } as unknown as RouterPlugin;
  }

  /**
   * A metric provider by registered name. `timeoutMs` overrides the host's call deadline for
   * these calls: a measurement may legitimately take as long as the provider's own timeout
   * (Prometheus defaults to 30 s), so the analysis reconciler passes one at least that long.
   */
  metricProviderFor(name: string, options: { timeoutMs?: number } = {}): MetricProviderPlugin {
    // A handle keeps no state (each call looks the plugin up again), so one per name and
    // deadline serves every pass instead of five new closures per measurement.
    const handleKey = `${name}\u0000${options.timeoutMs ?? ""}`;
    const known = this.providerHandles.get(handleKey);
    if (known !== undefined) return known;
    if (this.providerHandles.size >= MAX_PROVIDER_HANDLES) this.providerHandles.clear();
    const handle = this.newMetricProviderHandle(name, options);
    this.providerHandles.set(handleKey, handle);
    return handle;
  }

  private newMetricProviderHandle(
    name: string,
    options: { timeoutMs?: number },
  ): MetricProviderPlugin {
    const call =
      <K extends keyof MetricProviderPlugin & keyof MetricProviderClient>(
        method: K,
        skip?: { unless: Capability; answer: object },
      ) =>
      (request: unknown) =>
        this.call(
          "metricprovider",
          name,
          METHOD_NAMES[method] ?? method,
          options.timeoutMs,
          skip,
          (c: MetricProviderClient, timeoutMs) =>
            (
              c[method] as (
                r: unknown,
                o: { timeoutMs: number },
              ) => Promise<{ error?: { message: string; retryable: boolean } }>
            )(typeof request === "function" ? request() : request, { timeoutMs }),
        );
    return {
      name,
      run: call("run"),
      resume: call("resume"),
      terminate: call("terminate"),
      // common.proto: without CAPABILITY_GARBAGE_COLLECT the controller may skip the call. The
      // HTTP providers have nothing to delete, yet once a run keeps its 10 measurements every
      // new one is trimmed: half of the plugin calls of the analysis benchmark were these.
      garbageCollect: call("garbageCollect", {
        unless: Capability.GARBAGE_COLLECT,
        answer: {},
      }),
      getMetadata: call("getMetadata"),
    } as unknown as MetricProviderPlugin;
  }

  /** Close every connection and stop every child process (SIGTERM, then SIGKILL). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.probeTimer !== undefined) clearInterval(this.probeTimer);
    this.unsubscribe();
    for (const conn of this.connections.values()) conn.client.close();
    this.connections.clear();
    await this.supervisor.stopAll();
  }

  private async forget(key: string): Promise<void> {
    const conn = this.connections.get(key);
    this.connections.delete(key);
    conn?.client.close();
    await this.supervisor.release(key);
  }

  private connectionFor<C extends AnyClient>(
    kind: PluginKindName,
    entry: PluginEntry,
  ): Connection<C> {
    const key = `${kind}\u0000${entry.name}`;
    const existing = this.connections.get(key);
    // The registry hands out the same entry object until its ConfigMap changes: compare the
    // fingerprints (two JSON encodings) only when it did.
    if (
      existing !== undefined &&
      (existing.entry === entry || entryFingerprint(existing.entry) === entryFingerprint(entry))
    ) {
      // Same plugin as before (a ConfigMap edit elsewhere): keep the connection, and the newer
      // entry object so that the next call takes the cheap identity check again.
      existing.entry = entry;
      return existing as Connection<C>;
    }
    existing?.client.close();
    let address: string;
    if (entry.location.type === "file") address = this.supervisor.processFor(key, entry).address;
    else address = entry.location.address;
    const connectOptions: ConnectOptions = { timeoutMs: this.timeoutMs };
    if (entry.location.type === "tcp" && entry.tlsCa !== undefined) {
      connectOptions.tls = {
        ca: entry.tlsCa.includes("-----BEGIN") ? entry.tlsCa : readFileSync(entry.tlsCa),
        ...(entry.tlsServerName === undefined ? {} : { serverName: entry.tlsServerName }),
      };
    }
    const client = (kind === "trafficrouter" ? connectTrafficRouter : connectMetricProvider)(
      address,
      connectOptions,
    );
    const conn: Connection<AnyClient> = {
      entry,
      client,
      initialisedFor: undefined,
      epoch: 0,
      initializing: undefined,
      refused: undefined,
      probeFailures: 0,
      capabilities: new Set(),
    };
    this.connections.set(key, conn);
    return conn as Connection<C>;
  }

  private async call<
    C extends AnyClient,
    R extends { error?: { message: string; retryable: boolean } | undefined },
  >(
    kind: PluginKindName,
    name: string,
    method: string,
    timeoutOverrideMs: number | undefined,
    /** Answer `answer` without calling when the plugin's Init did not declare `unless`. */
    skip: { unless: Capability; answer: object } | undefined,
    invoke: (client: C, timeoutMs: number) => Promise<R>,
  ): Promise<PluginResult<R>> {
    const timeoutMs = timeoutOverrideMs ?? this.timeoutMs;
    const fail = (
      reason: PluginFailureReason,
      message: string,
      retryable: boolean,
    ): PluginResult<R> => {
      this.options.metrics?.observePluginCall(name, method, 0, reason);
      return { ok: false, error: { plugin: name, method, reason, message, retryable } };
    };
    try {
      if (this.stopped) return fail("unavailable", "the controller is shutting down", true);
      const entry = this.options.registry.get(kind, name);
      if (entry === undefined) {
        const key = kind === "trafficrouter" ? "trafficRouterPlugins" : "metricProviderPlugins";
        return fail(
          "unregistered",
          `no ${kind === "trafficrouter" ? "traffic router" : "metric provider"} plugin named "${name}" is registered: add it under ${key} in the argo-rollouts-config ConfigMap`,
          false,
        );
      }
      if (entry.unavailable !== undefined) return fail("unavailable", entry.unavailable, false);
      const conn = this.connectionFor<C>(kind, entry);
      const ready = await this.ensureInitialised(kind, conn);
      if (ready !== undefined) {
        this.options.metrics?.observePluginCall(name, method, 0, ready.reason);
        return {
          ok: false,
          error: {
            ...ready,
            method:
              ready.reason === "refused" || ready.reason === "init" ? `${method} (Init)` : method,
          },
        };
      }
      if (skip !== undefined && !conn.capabilities.has(skip.unless)) {
        return { ok: true, value: skip.answer as R };
      }
      const started = performance.now();
      let reply: R;
      try {
        reply = await this.guard(
          invoke(conn.client, timeoutMs),
          method,
          conn.client.address,
          timeoutMs,
        );
      } catch (error) {
        const seconds = (performance.now() - started) / 1000;
        this.transportFailed(conn, entry);
        this.options.metrics?.observePluginCall(name, method, seconds, "transport");
        return {
          ok: false,
          error: {
            plugin: name,
            method,
            reason: "transport",
            message: this.transportMessage(conn, error, timeoutMs),
            retryable: true,
          },
        };
      }
      const seconds = (performance.now() - started) / 1000;
      if (reply.error !== undefined) {
        this.options.metrics?.observePluginCall(name, method, seconds, "domain");
        return {
          ok: false,
          error: {
            plugin: name,
            method,
            reason: "domain",
            message: reply.error.message || "error without a message",
            retryable: reply.error.retryable,
          },
        };
      }
      this.options.metrics?.observePluginCall(name, method, seconds);
      return { ok: true, value: reply };
    } catch (error) {
      // Defensive: nothing above should throw, but a reconciler must never see it if it does.
      return fail("transport", `unexpected failure: ${errorMessage(error)}`, true);
    }
  }

  /** A promise that settles by the deadline (plus a margin) even if the client does not. */
  private guard<T>(
    promise: Promise<T>,
    method: string,
    address: string,
    timeoutMs: number,
  ): Promise<T> {
    const limit = timeoutMs + 1_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new PluginCallError(method, address, 4, `no answer within ${limit} ms`)),
        limit,
      );
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  private transportFailed(conn: Connection<AnyClient>, entry: PluginEntry): void {
    // A remote plugin may have restarted behind the same address: Init again next time.
    if (entry.location.type !== "file") conn.epoch++;
  }

  private transportMessage(conn: Connection<AnyClient>, error: unknown, timeoutMs: number): string {
    const proc =
      conn.entry.location.type === "file"
        ? this.supervisor.get(`${conn.entry.kind}\u0000${conn.entry.name}`)
        : undefined;
    const base =
      error instanceof PluginCallError
        ? error.code === 4
          ? `no answer within the ${timeoutMs} ms deadline (${error.details})`
          : `${error.details || "transport error"} (gRPC code ${error.code})`
        : errorMessage(error);
    return proc?.lastError === undefined ? base : `${base}; ${proc.lastError}`;
  }

  private currentEpoch(conn: Connection<AnyClient>): number | PluginFailure {
    if (conn.entry.location.type !== "file") return conn.epoch;
    const proc = this.supervisor.processFor(
      `${conn.entry.kind}\u0000${conn.entry.name}`,
      conn.entry,
    );
    const started = proc.ensureStarted();
    if (!started.ok)
      return {
        plugin: conn.entry.name,
        method: "start",
        reason: "start",
        message: started.error,
        retryable: true,
      };
    return started.generation;
  }

  /** Init once per (re)connect; undefined when the plugin is ready for calls. */
  private async ensureInitialised(
    kind: PluginKindName,
    conn: Connection<AnyClient>,
  ): Promise<PluginFailure | undefined> {
    const epoch = this.currentEpoch(conn);
    if (typeof epoch !== "number") return epoch;
    if (conn.initialisedFor === epoch) return undefined;
    const refused = conn.refused;
    if (refused !== undefined && refused.epoch === epoch) {
      const remoteRetry =
        conn.entry.location.type !== "file" && Date.now() - refused.at > REMOTE_REFUSAL_RETRY_MS;
      if (!remoteRetry) return refused.failure;
    }
    if (conn.initializing === undefined) {
      conn.initializing = this.initialise(kind, conn, epoch).finally(() => {
        conn.initializing = undefined;
      });
    }
    return conn.initializing;
  }

  private initialise(
    kind: PluginKindName,
    conn: Connection<AnyClient>,
    epoch: number,
  ): Promise<PluginFailure | undefined> {
    return initialisePlugin(
      {
        options: this.options,
        timeoutMs: this.timeoutMs,
        guard: (p, m, a) => this.guard(p, m, a, this.timeoutMs),
        transportMessage: (c, e) => this.transportMessage(c, e, this.timeoutMs),
      },
      kind,
      conn,
      epoch,
    );
  }

  /** Health probe of every connected plugin; a child failing repeatedly is restarted. */
  private async probe(): Promise<void> {
    // One round at a time: a slow round must not overlap the next tick.
    if (this.probing) return;
    this.probing = true;
    try {
      await this.probeRound();
    } finally {
      this.probing = false;
    }
  }

  private async probeRound(): Promise<void> {
    for (const [key, conn] of this.connections) {
      if (conn.initialisedFor === undefined) continue;
      // A child restarted since its last Init is still starting: the next call waits for it.
      const proc = conn.entry.location.type === "file" ? this.supervisor.get(key) : undefined;
      if (
        proc !== undefined &&
        (proc.pid === undefined || proc.generation !== conn.initialisedFor)
      ) {
        continue;
      }
      let healthy = false;
      try {
        const answer = await this.guard(
          conn.client.health({ timeoutMs: 2_000 }),
          "Health",
          conn.client.address,
          2_000,
        );
        healthy = answer === "SERVING";
      } catch {
        healthy = false;
      }
      if (healthy) {
        conn.probeFailures = 0;
        continue;
      }
      conn.probeFailures++;
      this.transportFailed(conn, conn.entry);
      pluginLogger(this.options.log, conn.entry.name).warn(
        { failures: conn.probeFailures },
        "plugin health probe failed",
      );
      if (
        conn.entry.location.type === "file" &&
        conn.probeFailures >= (this.options.probeFailures ?? 3)
      ) {
        conn.probeFailures = 0;
        this.supervisor.get(key)?.kill();
      }
    }
  }
}
