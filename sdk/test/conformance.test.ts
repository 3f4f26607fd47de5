import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { type ConformanceReport, runConformance } from "@sluice/sdk";
import { describe, it } from "vitest";
import { cliPath, examplePath, fixturePath, sdkDir } from "./helpers.js";

const routerConfig = { routeName: "web" };

function failedChecks(report: ConformanceReport): string[] {
  return report.checks.filter((check) => check.status === "failed").map((check) => check.name);
}

// Deadlines are generous because this machine may be shared and loaded; only the hang case
// uses a short one, and only its SetWeight result is asserted.
const callTimeoutMs = 10_000;

function brokenRouter(defect: string, timeoutMs = callTimeoutMs): Promise<ConformanceReport> {
  return runConformance({
    kind: "trafficrouter",
    command: [process.execPath, fixturePath("broken-router"), "--defect", defect],
    config: routerConfig,
    timeoutMs,
    shutdownTimeoutMs: 2_000,
  });
}

// Each case starts its own plugin process; they run concurrently (with the local `expect`,
// as vitest requires for concurrent tests) to keep the suite short on a 2-core machine.
describe.concurrent("conformance kit on the example plugins", () => {
  it("passes the in-memory router with every check", async ({ expect }) => {
    const report = await runConformance({
      kind: "trafficrouter",
      command: [process.execPath, examplePath("memory-router")],
      config: routerConfig,
      timeoutMs: callTimeoutMs,
    });
    expect(failedChecks(report)).toEqual([]);
    expect(report.checks.every((check) => check.status === "passed")).toBe(true);
    expect(report.passed).toBeGreaterThanOrEqual(14);
  });

  it("passes the README's minimal router, which is the README's code verbatim", async ({
    expect,
  }) => {
    const readme = await readFile(join(sdkDir, "README.md"), "utf8");
    const snippet = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    const source = await readFile(join(sdkDir, "examples", "minimal-router.ts"), "utf8");
    expect(snippet).toBe(source);
    expect(source.trim().split("\n").length).toBeLessThan(30);
    const report = await runConformance({
      kind: "trafficrouter",
      command: [process.execPath, examplePath("minimal-router")],
      config: { route: "web" },
      timeoutMs: callTimeoutMs,
    });
    expect(failedChecks(report)).toEqual([]);
  });

  it("passes the constant metric provider, through the CLI with one line per check", async ({
    expect,
  }) => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      cliPath,
      "--kind",
      "metricprovider",
      "--command",
      `${process.execPath} ${examplePath("constant-metric")}`,
      "--config",
      '{"value":"0.97","phase":"Successful"}',
      "--timeout-ms",
      String(callTimeoutMs),
    ]);
    const lines = stdout.trim().split("\n");
    expect(lines.at(-1)).toMatch(/^15 passed, 0 failed$/);
    expect(lines.slice(0, -1).every((line) => line.startsWith("PASS "))).toBe(true);
    expect(stdout).toContain(
      'Run answers a valid request in time with a well-formed measurement (SUCCESSFUL "0.97")',
    );
  });

  it("exits non-zero from the CLI and names the check when a plugin is wrong", async ({
    expect,
  }) => {
    const run = promisify(execFile)(process.execPath, [
      cliPath,
      "--kind",
      "metricprovider", // the memory router is not a metric provider
      "--command",
      `${process.execPath} ${examplePath("memory-router")}`,
      "--config",
      JSON.stringify(routerConfig),
      "--timeout-ms",
      String(callTimeoutMs),
    ]);
    const failure = await run.then(
      () => undefined,
      (error: { code?: number; stdout?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toContain(
      "FAIL Init answers and names kind PLUGIN_KIND_METRIC_PROVIDER (the plugin does not serve Init (is it a plugin of another kind?)",
    );
    expect(failure?.stdout).toMatch(/\n\d+ passed, [1-9]\d* failed\n$/);
  });

  it("rejects a usage error with status 2", async ({ expect }) => {
    const failure = await promisify(execFile)(process.execPath, [cliPath, "--kind", "router"]).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain("--kind must be trafficrouter or metricprovider");
  });
});

describe.concurrent("conformance kit catches each class of broken plugin", () => {
  const cases: Array<[defect: string, checks: string[], timeoutMs?: number]> = [
    ["wrong-kind", ["Init answers and names kind PLUGIN_KIND_TRAFFIC_ROUTER"]],
    ["hangs", ["SetWeight answers a valid request in time without error"], 800],
    [
      "bad-verification",
      ["VerifyWeight answers a valid request in time with a known verification"],
    ],
    [
      "crashes-on-bad-json",
      [
        "malformed rollout JSON gives an error reply, not a crash or a hang",
        "still SERVING after the invalid requests (no crash)",
      ],
    ],
    ["ignores-missing-config", ["missing config gives an error reply, not a crash or a hang"]],
    [
      "accepts-unknown-fields",
      ["an unknown config field gives an error reply, not a crash or a hang"],
    ],
    ["not-serving", ["health reports SERVING"]],
    ["ignores-sigterm", ["SIGTERM exits cleanly (status 0, in time)"]],
    // Served by grpc-js, whose Calls method is not implemented: every call after Init fails
    // naming the capability, instead of quietly going back to unary calls.
    [
      "claims-calls-stream",
      [
        "SetWeight answers a valid request in time without error",
        "VerifyWeight answers a valid request in time with a known verification",
      ],
      1_500,
    ],
  ];

  it.for(cases)("%s fails the checks %j", async ([defect, checks, timeoutMs], { expect }) => {
    const report = await brokenRouter(defect, timeoutMs);
    expect(report.ok).toBe(false);
    expect(failedChecks(report)).toEqual(expect.arrayContaining(checks));
    if (defect === "claims-calls-stream")
      expect(report.checks.map((check) => check.detail).join("\n")).toContain(
        "the plugin declares CAPABILITY_CALLS_STREAM but",
      );
  });

  it("a metric provider answering a measurement without a phase fails the well-formed check", async ({
    expect,
  }) => {
    const report = await runConformance({
      kind: "metricprovider",
      command: [process.execPath, fixturePath("broken-metric")],
      timeoutMs: callTimeoutMs,
    });
    expect(failedChecks(report)).toEqual([
      "Run answers a valid request in time with a well-formed measurement",
    ]);
    expect(report.checks.find((check) => check.status === "failed")?.detail).toContain(
      "UNSPECIFIED",
    );
  });
});
