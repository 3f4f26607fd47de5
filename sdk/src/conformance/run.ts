// runConformance: drives a plugin through the contract and reports what it got wrong, one
// result per check. Used by the sluice-plugin-conformance CLI and callable from tests.
import { setTimeout as delay } from "node:timers/promises";
import {
  type CallOptions,
  type ClientTlsOptions,
  connectMetricProvider,
  connectTrafficRouter,
  type HealthStatus,
} from "../connect.js";
import { type Check, CheckFailure, type CheckResult, runCheck } from "./check.js";
import { metricChecks } from "./metric-checks.js";
import { routerChecks } from "./router-checks.js";
import { type StartedPlugin, startPlugin } from "./target.js";

export type PluginKindName = "trafficrouter" | "metricprovider";

export interface ConformanceOptions {
  kind: PluginKindName;
  /** A running plugin to check (unix:///path.sock or HOST:PORT). */
  address?: string;
  /**
   * A command that starts the plugin; the kit sets SLUICE_PLUGIN_LISTEN to a fresh socket,
   * so the command must not pass its own --listen. Needed for the SIGTERM check.
   */
  command?: string | readonly string[];
  /** A valid configuration block for the plugin (default {}). */
  config?: unknown;
  /** Deadline of each call in milliseconds (default 5000). */
  timeoutMs?: number;
  /** How long a started plugin may take to answer its health service (default 30000). */
  startupTimeoutMs?: number;
  /** How long a plugin may take to exit after SIGTERM (default 15000). */
  shutdownTimeoutMs?: number;
  /** TLS for a TCP address. */
  tls?: ClientTlsOptions;
}

export interface ConformanceReport {
  checks: CheckResult[];
  passed: number;
  failed: number;
  /** True when no check failed. */
  ok: boolean;
}

interface HealthProbe {
  health(options?: CallOptions): Promise<HealthStatus>;
  close(): void;
}

export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  if ((options.address === undefined) === (options.command === undefined)) {
    throw new Error("runConformance needs exactly one of address or command");
  }
  const call: CallOptions = { timeoutMs: options.timeoutMs ?? 5_000 };
  const config = options.config ?? {};
  let started: StartedPlugin | undefined;
  const results: CheckResult[] = [];
  try {
    let address = options.address ?? "";
    if (options.command !== undefined) {
      started = await startPlugin(options.command);
      address = started.address;
    }
    // A plugin that declares the Calls stream must serve it: no quiet fall back to unary.
    const connect = {
      tls: options.tls,
      timeoutMs: call.timeoutMs,
      callsStream: "required" as const,
    };
    const router =
      options.kind === "trafficrouter" ? connectTrafficRouter(address, connect) : undefined;
    const metric =
      options.kind === "metricprovider" ? connectMetricProvider(address, connect) : undefined;
    const probe: HealthProbe | undefined = router ?? metric;
    if (probe === undefined) throw new Error(`unknown plugin kind ${String(options.kind)}`);
    try {
      const reachable = await runCheck(
        startupCheck(probe, started, options.startupTimeoutMs ?? 30_000),
      );
      results.push(reachable);
      if (reachable.status === "failed") return report(results);

      const checks: Check[] = [healthCheck(probe, "health reports SERVING")];
      if (router !== undefined) checks.push(...routerChecks({ client: router, config, call }));
      if (metric !== undefined) checks.push(...metricChecks({ client: metric, config, call }));
      checks.push(
        healthCheck(probe, "still SERVING after the invalid requests (no crash)", started),
      );
      // Sequential on purpose: each check sees the plugin in the state the previous left.
      for (const check of checks) results.push(await runCheck(check));
    } finally {
      probe.close();
    }
    if (started === undefined) {
      results.push({
        name: "SIGTERM exits cleanly",
        status: "skipped",
        detail: "needs --command to start and signal the plugin",
      });
    } else {
      results.push(await runCheck(sigtermCheck(started, options.shutdownTimeoutMs ?? 15_000)));
    }
    return report(results);
  } finally {
    await started?.dispose();
  }
}

function report(checks: CheckResult[]): ConformanceReport {
  const passed = checks.filter((check) => check.status === "passed").length;
  const failed = checks.filter((check) => check.status === "failed").length;
  return { checks, passed, failed, ok: failed === 0 };
}

function startupCheck(
  probe: HealthProbe,
  started: StartedPlugin | undefined,
  timeoutMs: number,
): Check {
  return {
    name: "plugin answers on its address",
    run: async () => {
      const deadline = Date.now() + timeoutMs;
      let last = "no attempt yet";
      while (Date.now() < deadline) {
        if (started?.hasExited()) {
          throw new CheckFailure(
            `the plugin exited (${String(await started.exited)}) before answering; its output:\n${started.outputTail()}`,
          );
        }
        try {
          return `health: ${await probe.health({ timeoutMs: 1_000 })}`;
        } catch (error) {
          last = error instanceof Error ? error.message : String(error);
        }
        await delay(100);
      }
      const tail = started === undefined ? "" : `; its output:\n${started.outputTail()}`;
      throw new CheckFailure(`no answer within ${timeoutMs} ms; last error: ${last}${tail}`);
    },
  };
}

function healthCheck(probe: HealthProbe, name: string, started?: StartedPlugin): Check {
  return {
    name,
    run: async () => {
      if (started?.hasExited()) {
        throw new CheckFailure(
          `the plugin process exited (${String(await started.exited)}); its output:\n${started.outputTail()}`,
        );
      }
      const answer = await probe.health();
      if (answer !== "SERVING")
        throw new CheckFailure(`grpc.health.v1.Health/Check answered ${answer}, expected SERVING`);
      return undefined;
    },
  };
}

function sigtermCheck(started: StartedPlugin, timeoutMs: number): Check {
  return {
    name: "SIGTERM exits cleanly (status 0, in time)",
    run: async () => {
      if (started.hasExited())
        throw new CheckFailure(`the plugin had already exited (${String(await started.exited)})`);
      started.child.kill("SIGTERM");
      const timer = new AbortController();
      const timeout = delay(timeoutMs, "timeout" as const, { signal: timer.signal }).catch(
        () => "cancelled" as const,
      );
      const outcome = await Promise.race([started.exited, timeout]);
      timer.abort();
      if (outcome === "timeout")
        throw new CheckFailure(`still running ${timeoutMs} ms after SIGTERM`);
      if (outcome !== 0)
        throw new CheckFailure(
          `exited with ${String(outcome)} after SIGTERM, expected status 0:\n${started.outputTail()}`,
        );
      return undefined;
    },
  };
}

/** The CLI's text: one line per check, then the totals. */
export function formatReport(result: ConformanceReport): string {
  const lines = result.checks.map((check) => {
    const label = check.status === "passed" ? "PASS" : check.status === "failed" ? "FAIL" : "SKIP";
    const detail = check.detail === "" ? "" : ` (${check.detail.replace(/\n/g, "\n    ")})`;
    return `${label} ${check.name}${detail}`;
  });
  lines.push(`${result.passed} passed, ${result.failed} failed`);
  return lines.join("\n");
}
