// The built sluice-plugin-job executable against devcluster, through gRPC on a unix socket:
// Jobs that succeed, fail and run long; the Job's name, labels and owner; idempotent Run;
// errors as Error measurements; GarbageCollect; and the SDK's conformance kit.
import {
  formatReport,
  type JsonObject,
  MeasurementPhase,
  runConformance,
  stringAt,
} from "@sluice/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  main,
  type PluginProcess,
  startPlugin,
  startTestCluster,
  type TestCluster,
  waitFor,
} from "./fixture.js";

const NS = "analysis";
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
let cluster: TestCluster;
let plugin: PluginProcess;
let analysisRun: JsonObject;
let uid = "";

beforeAll(async () => {
  cluster = await startTestCluster();
  await cluster.createNamespace(NS);
  await cluster.createNamespace("conformance");
  analysisRun = await cluster.createRun(NS, "canary-analysis");
  uid = stringAt(analysisRun, "metadata", "uid") ?? "";
  expect(uid).not.toBe("");
  plugin = await startPlugin(["--kubeconfig", cluster.cluster.kubeconfigPath]);
});

afterAll(async () => {
  await plugin?.stop();
  await cluster?.stop();
});

/** A job block whose pods end as `result` after `durationMs` (devcluster test hooks). */
function jobConfig(result: "succeed" | "fail", durationMs: number): JsonObject {
  return {
    metadata: {
      labels: { team: "payments" },
      annotations: {
        "devcluster.sluice.dev/job-result": result,
        "devcluster.sluice.dev/job-duration-ms": String(durationMs),
      },
    },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: { app: "smoke" } },
        spec: {
          restartPolicy: "Never",
          containers: [{ name: "smoke", image: "busybox:1.36", command: ["true"] }],
        },
      },
    },
  };
}

function request(metric: string, config: JsonObject, run: JsonObject = analysisRun) {
  return {
    analysisRun: json(run),
    metric: json({ name: metric, provider: { job: config } }),
    config: json(config),
  };
}

async function runUntilFinal(metric: string, config: JsonObject) {
  const started = await plugin.client.run(request(metric, config));
  expect(started.error).toBeUndefined();
  const measurement = started.measurement;
  if (measurement === undefined) throw new Error("Run answered no measurement");
  expect(measurement.phase).toBe(MeasurementPhase.RUNNING);
  const final = await waitFor(
    `${metric}'s measurement to finish`,
    async () =>
      (await plugin.client.resume({ ...request(metric, config), measurement })).measurement,
    (m) => m?.phase !== MeasurementPhase.RUNNING,
  );
  return { started: measurement, final };
}

async function readJob(name: string) {
  return cluster.batch.readNamespacedJob({ namespace: NS, name }).catch(() => undefined);
}

describe("the sluice-plugin-job executable", () => {
  it("names Init sluice/job with asynchronous measurements and garbage collection", async () => {
    const init = await plugin.client.init({ controllerVersion: "test" });
    expect(init.error).toBeUndefined();
    expect(init.name).toBe("sluice/job");
  });

  it("creates the Job as the spec names, labels and owns it, and a succeeding Job is Successful", async () => {
    const before = Date.now();
    const { started, final } = await runUntilFinal("smoke", jobConfig("succeed", 200));
    const name = `${uid}.smoke.1`;
    expect(started.metadata).toEqual({ "job-name": name, "job-namespace": NS });
    // Run asks to be resumed at once; the Job is the one to wait for.
    expect(started.resumeAt?.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    expect(started.resumeAt?.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
    expect(final?.phase).toBe(MeasurementPhase.SUCCESSFUL);
    expect(final?.finishedAt).toBeDefined();

    const job = await readJob(name);
    expect(job?.metadata?.labels).toMatchObject({
      team: "payments",
      "analysisrun.argoproj.io/uid": uid,
    });
    expect(job?.metadata?.annotations).toMatchObject({
      "devcluster.sluice.dev/job-result": "succeed",
      "analysisrun.argoproj.io/name": "canary-analysis",
      "analysisrun.argoproj.io/namespace": NS,
      "analysisrun.argoproj.io/metric-name": "smoke",
    });
    expect(job?.metadata?.ownerReferences).toEqual([
      expect.objectContaining({
        apiVersion: "argoproj.io/v1alpha1",
        kind: "AnalysisRun",
        name: "canary-analysis",
        uid,
        controller: true,
      }),
    ]);
    expect(job?.spec?.template.metadata?.labels).toMatchObject({
      app: "smoke",
      "analysisrun.argoproj.io/uid": uid,
    });
  });

  it("answers Failed when the Job fails", async () => {
    const { final } = await runUntilFinal("failing", jobConfig("fail", 200));
    expect(final?.phase).toBe(MeasurementPhase.FAILED);
  });

  it("numbers the Job count + error + 1 from the run's status", async () => {
    const run = {
      ...analysisRun,
      status: { metricResults: [{ name: "numbered", count: 2, error: 1 }] },
    };
    const reply = await plugin.client.run(request("numbered", jobConfig("succeed", 200), run));
    expect(reply.measurement?.metadata["job-name"]).toBe(`${uid}.numbered.4`);
    expect(await readJob(`${uid}.numbered.4`)).toBeDefined();
  });

  it("keeps a long Job Running with a later resumeAt, and Terminate deletes it", async () => {
    const config = jobConfig("succeed", 600_000);
    const started = await plugin.client.run(request("long", config));
    const measurement = started.measurement;
    if (measurement === undefined) throw new Error("Run answered no measurement");
    // Pretend the measurement started 50 s ago: the next look is sqrt(2 × 50) = 10 s away.
    const inFlight = { ...measurement, startedAt: new Date(Date.now() - 50_000) };
    const resumed = await plugin.client.resume({
      ...request("long", config),
      measurement: inFlight,
    });
    expect(resumed.measurement?.phase).toBe(MeasurementPhase.RUNNING);
    const wait = (resumed.measurement?.resumeAt?.getTime() ?? 0) - Date.now();
    expect(wait).toBeGreaterThan(8_000);
    expect(wait).toBeLessThan(11_000);

    const terminated = await plugin.client.terminate({
      ...request("long", config),
      measurement: resumed.measurement ?? inFlight,
    });
    expect(terminated.measurement?.phase).toBe(MeasurementPhase.INCONCLUSIVE);
    expect(terminated.measurement?.message).toBe("Metric Terminated");
    await waitFor(
      "the terminated Job to be deleted",
      () => readJob(`${uid}.long.1`),
      (job) => job === undefined,
    );
  });

  it("reuses its own Job when Run is repeated, and refuses a Job it does not own", async () => {
    const config = jobConfig("succeed", 60_000);
    const first = await plugin.client.run(request("again", config));
    const second = await plugin.client.run(request("again", config));
    expect(second.measurement?.phase).toBe(MeasurementPhase.RUNNING);
    expect(second.measurement?.metadata).toEqual(first.measurement?.metadata);

    const foreign = await cluster.createRun(NS, "other-analysis");
    const foreignUid = stringAt(foreign, "metadata", "uid");
    await cluster.batch.createNamespacedJob({
      namespace: NS,
      body: {
        metadata: {
          name: `${uid}.taken.1`,
          ownerReferences: [
            {
              apiVersion: "argoproj.io/v1alpha1",
              kind: "AnalysisRun",
              name: "other-analysis",
              uid: foreignUid,
              controller: true,
            },
          ],
        },
        spec: {
          template: {
            spec: { restartPolicy: "Never", containers: [{ name: "x", image: "busybox" }] },
          },
        },
      },
    });
    const taken = await plugin.client.run(request("taken", config));
    expect(taken.measurement?.phase).toBe(MeasurementPhase.ERROR);
    expect(taken.measurement?.message).toBe(
      `Job ${NS}/${uid}.taken.1 already exists and does not belong to AnalysisRun ${NS}/canary-analysis (uid ${uid}); delete it or rename the metric`,
    );
  });

  it("answers Error measurements with the API server's message", async () => {
    const elsewhere = {
      ...analysisRun,
      metadata: { name: "canary-analysis", namespace: "missing-namespace", uid },
    };
    const missing = await plugin.client.run(request("smoke", jobConfig("succeed", 200), elsewhere));
    expect(missing.measurement?.phase).toBe(MeasurementPhase.ERROR);
    expect(missing.measurement?.message).toBe('namespaces "missing-namespace" not found');

    // A label value the API server refuses: its 422 message, word for word.
    const bad = jobConfig("succeed", 200);
    const invalid = await plugin.client.run(
      request("invalid", { ...bad, metadata: { labels: { team: "not valid!" } } }),
    );
    expect(invalid.measurement?.phase).toBe(MeasurementPhase.ERROR);
    expect(invalid.measurement?.message).toMatch(
      new RegExp(
        `^Job\\.batch "${uid}\\.invalid\\.1" is invalid: metadata\\.labels: Invalid value: "not valid!": a valid label must`,
      ),
    );
    expect(await readJob(`${uid}.invalid.1`)).toBeUndefined();

    const typo = await plugin.client.run(request("typo", { spec: {}, metdata: {} }));
    expect(typo.error?.message).toMatch(/unknown field\(s\) metdata/);
  });

  it("GarbageCollect keeps the newest N Jobs of the metric and leaves other metrics alone", async () => {
    const config = jobConfig("succeed", 100);
    for (const count of [0, 1, 2, 3]) {
      const run = { ...analysisRun, status: { metricResults: [{ name: "gc", count }] } };
      const reply = await plugin.client.run(request("gc", config, run));
      expect(reply.measurement?.phase).toBe(MeasurementPhase.RUNNING);
    }
    const other = await plugin.client.run(request("gc-other", config));
    expect(other.measurement?.phase).toBe(MeasurementPhase.RUNNING);

    const reply = await plugin.client.garbageCollect({ ...request("gc", config), limit: 2 });
    expect(reply.error).toBeUndefined();
    const names = await waitFor(
      "the two oldest gc Jobs to go",
      async () => {
        const list = await cluster.batch.listNamespacedJob({
          namespace: NS,
          labelSelector: `analysisrun.argoproj.io/uid=${uid}`,
        });
        return list.items
          .map((job) => job.metadata?.name ?? "")
          .filter((name) => name.includes(".gc"))
          .sort();
      },
      (seen) => seen.length === 3,
    );
    expect(names).toEqual([`${uid}.gc-other.1`, `${uid}.gc.3`, `${uid}.gc.4`]);
  });
});

describe("conformance", () => {
  it("the built executable passes the SDK's conformance kit", async () => {
    const report = await runConformance({
      kind: "metricprovider",
      command: [process.execPath, main, "--kubeconfig", cluster.cluster.kubeconfigPath],
      config: jobConfig("succeed", 200),
    });
    expect(report.failed, formatReport(report)).toBe(0);
    expect(report.passed).toBeGreaterThan(5);
  });
});
