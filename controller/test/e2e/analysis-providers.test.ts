// Blue-green pre-promotion analysis measured by Kubernetes Jobs (the bundled Job provider
// plugin), and a metric provider plugin killed in the middle of a measurement
// (spec/analysis-and-providers.md §2.4, §3.1, §5.4; issue #6's end-to-end list).
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RESOURCES } from "../../src/runtime/kube-resources.js";
import { type Harness, repoRoot, startHarness, waitFor, waitForRollout } from "./harness.js";

const exec = promisify(execFile);
let h: Harness;
let controllerPid = 0;
let server: Server;
let port = 0;
let requests = 0;

beforeAll(async () => {
  // Answers after 1.5 s, so a measurement is in flight long enough to kill the plugin.
  server = createServer((_req, res) => {
    requests++;
    setTimeout(() => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true }));
    }, 1_500);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  h = await startHarness();
  controllerPid = h.startController().pid ?? 0;
}, 120_000);

afterAll(async () => {
  await h?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

function blueGreen(image: string, jobResult: "succeed" | "fail"): string {
  return `
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: smoke-${jobResult}}
spec:
  metrics:
  - name: smoke
    provider:
      job:
        metadata:
          annotations: {devcluster.sluice.dev/job-result: ${jobResult}, devcluster.sluice.dev/job-duration-ms: "500"}
        spec:
          backoffLimit: 0
          template:
            spec:
              restartPolicy: Never
              containers: [{name: smoke, image: registry.local/smoke:1, command: [sh, -c, "exit ${jobResult === "succeed" ? 0 : 1}"]}]
---
apiVersion: v1
kind: Service
metadata: {name: shop-active}
spec: {selector: {app: shop}, ports: [{port: 80}]}
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec: {containers: [{name: app, image: ${image}}]}
  strategy:
    blueGreen:
      activeService: shop-active
      prePromotionAnalysis:
        templates: [{templateName: smoke-${jobResult}}]
`;
}

describe("blue-green prePromotionAnalysis with the Job provider", () => {
  it("switches the active Service after the Job succeeds, and aborts when it fails", async () => {
    await h.apply(blueGreen("registry.local/shop:v1", "succeed"));
    const first = await waitForRollout(h, "shop", "Healthy", (v) => v.phase === "Healthy");
    await h.apply(blueGreen("registry.local/shop:v2", "succeed"));
    const promoted = await waitForRollout(
      h,
      "shop",
      "promoted after the pre-promotion Job succeeded",
      (v) =>
        v.phase === "Healthy" &&
        v.currentPodHash !== first.currentPodHash &&
        v.stableRS === v.currentPodHash &&
        v.selectors["shop-active"] === v.currentPodHash,
      ["shop-active"],
      60_000,
    );
    const run = await h.client.get(
      RESOURCES.analysisRuns,
      "default",
      `shop-${promoted.currentPodHash}-2-pre`,
    );
    expect((run.status as { phase: string }).phase).toBe("Successful");
    const jobs = await h.client.list(RESOURCES.jobs, { namespace: "default" });
    expect(
      jobs.items.some((j) => j.metadata.ownerReferences?.[0]?.name === run.metadata.name),
    ).toBe(true);

    await h.apply(blueGreen("registry.local/shop:v3", "fail"));

    const aborted = await waitForRollout(
      h,
      "shop",
      "aborted by the failed pre-promotion Job",
      (v) => v.aborted && v.phase === "Degraded",
      ["shop-active"],
      60_000,
    );
    expect(aborted.message).toContain("Blue/green pre-promotion analysis phase error/failed");
    // The active Service never left the stable ReplicaSet.
    expect(aborted.selectors["shop-active"]).toBe(promoted.currentPodHash);
  }, 180_000);
});

async function webPluginPid(): Promise<number | undefined> {
  const { stdout } = await exec("ps", ["-eo", "pid=,ppid=,args="]);
  for (const line of stdout.split("\n")) {
    const [pid, ppid, ...args] = line.trim().split(/\s+/);
    if (Number(ppid) === controllerPid && args.join(" ").includes("plugin-web")) return Number(pid);
  }
  return undefined;
}

describe("a metric provider plugin killed mid-measurement", () => {
  it("the measurement errors, the plugin is restarted, and the run still succeeds", async () => {
    await h.apply(`
apiVersion: argoproj.io/v1alpha1
kind: AnalysisRun
metadata: {name: survives}
spec:
  metrics:
  - name: ok
    interval: 1s
    count: 2
    successCondition: result == true
    provider:
      web: {url: "http://127.0.0.1:${port}/", jsonPath: "{$.ok}"}
`);
    const before = requests;
    const pid = await waitFor(
      "the web plugin to be measuring",
      async () => (requests > before ? await webPluginPid() : undefined),
      async () => `requests=${requests}, controller pid ${controllerPid}`,
    );
    process.kill(pid, "SIGKILL");
    const run = await waitFor(
      "the run to finish",
      async () => {
        const obj = await h.client.get(RESOURCES.analysisRuns, "default", "survives");
        const phase = (obj.status as { phase?: string } | undefined)?.phase;
        return phase === "Successful" || phase === "Failed" || phase === "Error" ? obj : undefined;
      },
      async () =>
        JSON.stringify((await h.client.get(RESOURCES.analysisRuns, "default", "survives")).status),
      60_000,
    );
    const status = run.status as {
      phase: string;
      metricResults: Array<{
        error: number;
        successful: number;
        measurements: Array<{ phase: string; message?: string }>;
      }>;
    };
    expect(status.phase).toBe("Successful");
    const result = status.metricResults[0];
    expect(result?.error).toBe(1);
    expect(result?.successful).toBe(2);
    const errored = result?.measurements.find((m) => m.phase === "Error");
    expect(errored?.message).toContain("metric provider plugin sluice/web");
    const restarted = await webPluginPid();
    expect(restarted).toBeDefined();
    expect(restarted).not.toBe(pid);
  }, 120_000);
});

describe("examples with analysis", () => {
  for (const name of ["canary-analysis", "background-analysis"]) {
    it(`examples/${name} applies, and an image change runs its analysis to Healthy`, async () => {
      await h.kubectl("apply", "-f", `${repoRoot}/examples/${name}/`);
      const first = await waitForRollout(h, name, "Healthy", (v) => v.phase === "Healthy");
      await h.setImage(name, "argoproj/rollouts-demo:green");
      const done = await waitForRollout(
        h,
        name,
        "Healthy on the new image",
        (v) =>
          v.phase === "Healthy" &&
          v.currentPodHash !== first.currentPodHash &&
          v.stableRS === v.currentPodHash,
        [],
        90_000,
      );
      const runs = (await h.client.list(RESOURCES.analysisRuns, { namespace: "default" })).items
        .filter((r) => r.metadata.name.startsWith(`${name}-${done.currentPodHash}-`))
        .map((r) => (r.status as { phase?: string } | undefined)?.phase);
      expect(runs).toEqual(["Successful"]);
    }, 150_000);
  }
});
