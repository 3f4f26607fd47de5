// Analysis end to end: the controller as its own process runs AnalysisRuns through the bundled
// Web provider plugin (a child process) against a local HTTP server whose answer the test
// controls, and canaries advance, abort or pause on the runs' outcome
// (spec/analysis-and-providers.md §2, §3).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RESOURCES } from "../../src/runtime/kube-resources.js";
import {
  canaryWithServices,
  type Harness,
  startHarness,
  waitFor,
  waitForRollout,
} from "./harness.js";

let h: Harness;
let server: Server;
let port = 0;
/** What the metric endpoint answers, per path. */
const rates = new Map<string, number>();
/** Requests seen with their Authorization header, per path. */
const authSeen = new Map<string, string | undefined>();
/** Paths whose answer is held back for this long (to kill the plugin mid-call). */
const delays = new Map<string, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    authSeen.set(path, req.headers.authorization);
    const answer = () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ rate: rates.get(path) ?? 1 }));
    };
    const delay = delays.get(path);
    if (delay === undefined) answer();
    else setTimeout(answer, delay);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  h = await startHarness();
  h.startController();
}, 120_000);

afterAll(async () => {
  await h?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

function template(name: string, path: string, extra = ""): string {
  return `
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: ${name}}
spec:
  metrics:
  - name: rate
    interval: 1s
${extra}
    successCondition: result >= 0.9
    provider:
      web:
        url: http://127.0.0.1:${port}${path}
        jsonPath: "{$.rate}"
`;
}

function rollout(name: string, image: string, strategy: string): string {
  return canaryWithServices(name, image, `${strategy}\n`);
}

async function runsOf(rolloutName: string): Promise<Array<Record<string, unknown>>> {
  const list = await h.client.list(RESOURCES.analysisRuns, { namespace: "default" });
  return list.items.filter((r) => r.metadata.name.startsWith(`${rolloutName}-`)) as Array<
    Record<string, unknown>
  >;
}

function phaseOf(run: Record<string, unknown> | undefined): string | undefined {
  const status = run?.status as { phase?: string } | undefined;
  return status?.phase;
}

describe("canary step analysis through the Web provider plugin", () => {
  it("a passing analysis lets the rollout finish; a failing one aborts the next update", async () => {
    rates.set("/step", 0.99);
    await h.apply(template("step-check", "/step", "    count: 2"));
    await h.apply(
      rollout(
        "stepped",
        "registry.local/app:v1",
        `      steps:
      - setWeight: 50
      - analysis: {templates: [{templateName: step-check}]}`,
      ),
    );
    const first = await waitForRollout(h, "stepped", "Healthy", (v) => v.phase === "Healthy");
    await h.setImage("stepped", "registry.local/app:v2");
    const done = await waitForRollout(
      h,
      "stepped",
      "Healthy on v2 after the analysis",
      (v) =>
        v.phase === "Healthy" &&
        v.currentPodHash !== first.currentPodHash &&
        v.stableRS === v.currentPodHash &&
        v.stepIndex === 2,
      [],
      60_000,
    );
    const runs = await runsOf("stepped");
    expect(runs.map((r) => (r.metadata as { name: string }).name)).toEqual([
      `stepped-${done.currentPodHash}-2-1`,
    ]);
    expect(phaseOf(runs[0])).toBe("Successful");
    const labels =
      (runs[0]?.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {};
    expect(labels["rollout-type"]).toBe("Step");
    expect(labels["step-index"]).toBe("1");

    rates.set("/step", 0.5);
    await h.setImage("stepped", "registry.local/app:v3");
    const aborted = await waitForRollout(
      h,
      "stepped",
      "aborted by the failed analysis",
      (v) => v.phase === "Degraded" && v.aborted,
      [],
      60_000,
    );
    expect(aborted.message).toMatch(
      /^RolloutAborted: Rollout aborted update to revision 3: Step-based analysis phase error\/failed: Metric "rate" assessed Failed due to failed \(1\) > failureLimit \(0\)/,
    );
    // The canary is scaled away; stable keeps serving.
    await waitForRollout(
      h,
      "stepped",
      "canary scaled to 0",
      (v) => v.replicas[v.currentPodHash ?? ""] === 0 && v.replicas[v.stableRS ?? ""] === 2,
    );
    const events = await h.kubectl(
      "get",
      "events",
      "--field-selector",
      "involvedObject.kind=AnalysisRun",
      "-o",
      "jsonpath={.items[*].reason}",
    );
    expect(events.split(" ")).toEqual(
      expect.arrayContaining(["AnalysisRunSuccessful", "AnalysisRunFailed"]),
    );
  }, 150_000);
});

describe("background analysis", () => {
  it("runs beside the steps and aborts the update when it fails midway", async () => {
    rates.set("/background", 0.99);
    await h.apply(template("bg-check", "/background"));
    await h.apply(
      rollout(
        "watched",
        "registry.local/app:v1",
        `      analysis: {templates: [{templateName: bg-check}]}
      steps:
      - setWeight: 50
      - pause: {}`,
      ),
    );
    await waitForRollout(h, "watched", "Healthy", (v) => v.phase === "Healthy");
    await h.setImage("watched", "registry.local/app:v2");
    await waitForRollout(h, "watched", "paused at step 1", (v) => v.paused && v.stepIndex === 1);
    await waitFor(
      "a running background run with measurements",
      async () => {
        const [run] = await runsOf("watched");
        const results = (run?.status as { metricResults?: Array<{ count?: number }> } | undefined)
          ?.metricResults;
        return phaseOf(run) === "Running" && (results?.[0]?.count ?? 0) >= 2 ? run : undefined;
      },
      async () => JSON.stringify(await runsOf("watched")),
    );
    rates.set("/background", 0.1);
    const aborted = await waitForRollout(
      h,
      "watched",
      "aborted by the background run",
      (v) => v.aborted && v.phase === "Degraded",
      [],
      30_000,
    );
    expect(aborted.message).toContain("Background analysis phase error/failed");
  }, 150_000);
});

describe("AnalysisRun on its own", () => {
  it("reads a Secret argument into a header and finishes Successful after count measurements", async () => {
    rates.set("/secret", 0.95);
    await h.kubectl(
      "create",
      "secret",
      "generic",
      "metric-token",
      "--from-literal=token=s3cr3t-value",
    );
    await h.apply(`
apiVersion: argoproj.io/v1alpha1
kind: AnalysisRun
metadata: {name: standalone}
spec:
  args:
  - name: token
    valueFrom: {secretKeyRef: {name: metric-token, key: token}}
  metrics:
  - name: rate
    interval: 1s
    count: 3
    successCondition: result >= 0.9
    provider:
      web:
        url: http://127.0.0.1:${port}/secret
        jsonPath: "{$.rate}"
        headers: [{key: Authorization, value: "Bearer {{args.token}}"}]
`);
    const run = await waitFor(
      "the run to finish",
      async () => {
        const obj = await h.client.get(RESOURCES.analysisRuns, "default", "standalone");
        const phase = phaseOf(obj as unknown as Record<string, unknown>);
        return phase === "Successful" || phase === "Failed" || phase === "Error" ? obj : undefined;
      },
      async () =>
        JSON.stringify(
          (await h.client.get(RESOURCES.analysisRuns, "default", "standalone")).status,
        ),
      30_000,
    );
    const status = run.status as {
      phase: string;
      runSummary: Record<string, number>;
      metricResults: Array<{ count: number; successful: number; measurements: unknown[] }>;
    };
    expect(status.phase).toBe("Successful");
    expect(status.runSummary).toEqual({ count: 1, successful: 1 });
    expect(status.metricResults[0]?.count).toBe(3);
    expect(status.metricResults[0]?.successful).toBe(3);
    expect(authSeen.get("/secret")).toBe("Bearer s3cr3t-value");
    // The Secret's value never lands in the status.
    expect(JSON.stringify(run)).not.toContain("s3cr3t-value");
  }, 60_000);

  it("a missing Secret ends the run Error with a message naming it", async () => {
    await h.apply(`
apiVersion: argoproj.io/v1alpha1
kind: AnalysisRun
metadata: {name: no-secret}
spec:
  args:
  - name: token
    valueFrom: {secretKeyRef: {name: nowhere, key: token}}
  metrics:
  - name: rate
    provider:
      web: {url: "http://127.0.0.1:${port}/x?t={{args.token}}"}
`);
    const run = await waitFor(
      "the run to end Error",
      async () => {
        const obj = await h.client.get(RESOURCES.analysisRuns, "default", "no-secret");
        return phaseOf(obj as unknown as Record<string, unknown>) === "Error" ? obj : undefined;
      },
      async () =>
        JSON.stringify((await h.client.get(RESOURCES.analysisRuns, "default", "no-secret")).status),
    );
    expect((run.status as { message: string }).message).toContain("secret 'nowhere' not found");
  }, 60_000);
});
