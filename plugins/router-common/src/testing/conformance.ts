// The SDK's conformance kit run against a built router executable with the call deadline the
// router tests share; the caller chooses the start-up allowance (plugin start-up is slow on
// a loaded 2-core machine).
import { type ConformanceReport, runConformance } from "@sluice/sdk";

export interface RouterConformance {
  /** Every check that did not pass, with its message, so a failure shows why. */
  failed: ConformanceReport["checks"];
  ok: boolean;
}

export async function runRouterConformance(
  command: readonly string[],
  config: unknown,
  startupTimeoutMs: number,
): Promise<RouterConformance> {
  const report = await runConformance({
    kind: "trafficrouter",
    command,
    config,
    timeoutMs: 10_000,
    startupTimeoutMs,
  });
  return { failed: report.checks.filter((check) => check.status !== "passed"), ok: report.ok };
}
