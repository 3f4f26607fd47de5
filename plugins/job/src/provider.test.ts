// The provider against an in-memory JobClient: what devcluster cannot produce (image pull
// errors, creation-time ties), the namespace override, and the failure paths.
import { createPluginLogger, type JsonObject, MeasurementPhase } from "@sluice/sdk";
import { describe, expect, it } from "vitest";
import { type JobClient, KubeError } from "./kube.js";
import { createJobProvider } from "./provider.js";

const logger = createPluginLogger("test", { SLUICE_LOG_LEVEL: "silent" });
const uid = "9d1f3e77-2b7a-4c55-8a0e-51c9a3f0d6b2";
const analysisRun = { metadata: { name: "run", namespace: "apps", uid } };
const config = { labels: {}, annotations: {}, spec: { template: { spec: {} } } };

function fakeJobs(overrides: Partial<JobClient> = {}) {
  const created: JsonObject[] = [];
  const deleted: string[] = [];
  const jobs: JobClient = {
    create: async (_ns, job) => {
      created.push(job);
      return job;
    },
    get: async () => undefined,
    list: async () => [],
    delete: async (_ns, name) => {
      deleted.push(name);
    },
    listPods: async () => [],
    ...overrides,
  };
  return { jobs, created, deleted };
}

describe("the Job provider", () => {
  it("puts Jobs in ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE without an owner reference", async () => {
    const { jobs, created } = fakeJobs();
    const provider = createJobProvider({ jobs, namespace: "jobs" });
    const result = await provider.run({ analysisRun, metric: { name: "m" }, config });
    expect(result.metadata).toEqual({ "job-name": `${uid}.m.1`, "job-namespace": "jobs" });
    expect(created[0]).toMatchObject({ metadata: { namespace: "jobs" } });
    expect(created[0]).not.toHaveProperty("metadata.ownerReferences");
  });

  it("answers Inconclusive naming the pod and container stuck pulling its image", async () => {
    const pod = {
      metadata: { name: "job-pod-1" },
      status: {
        containerStatuses: [
          {
            name: "smoke",
            state: { waiting: { reason: "ImagePullBackOff", message: "Back-off pulling image" } },
          },
        ],
      },
    };
    const selectors: string[] = [];
    const { jobs } = fakeJobs({
      get: async () => ({
        metadata: { name: "j" },
        spec: { selector: { matchLabels: { "controller-uid": "abc" } } },
        status: {},
      }),
      listPods: async (_ns, selector) => {
        selectors.push(selector);
        return [pod];
      },
    });
    const provider = createJobProvider({ jobs });
    const result = await provider.resume(
      { metadata: { "job-name": "j", "job-namespace": "apps" } },
      logger,
    );
    expect(selectors).toEqual(["controller-uid=abc"]);
    expect(result.phase).toBe(MeasurementPhase.INCONCLUSIVE);
    expect(result.message).toBe(
      "Pod job-pod-1, container smoke has terminal error (ImagePullBackOff): Back-off pulling image",
    );
  });

  it("answers Error for a vanished Job and for a failed delete", async () => {
    const { jobs } = fakeJobs({
      delete: async () => {
        throw new KubeError("jobs.batch is forbidden: no delete", 403, "Forbidden");
      },
    });
    const provider = createJobProvider({ jobs });
    const inFlight = { metadata: { "job-name": "j", "job-namespace": "apps" } };
    const resumed = await provider.resume(inFlight, logger);
    expect(resumed.phase).toBe(MeasurementPhase.ERROR);
    expect(resumed.message).toBe("Job apps/j not found: it was deleted before it finished");
    const terminated = await provider.terminate(inFlight);
    expect(terminated.phase).toBe(MeasurementPhase.ERROR);
    expect(terminated.message).toBe("jobs.batch is forbidden: no delete");
  });

  it("garbage-collects oldest first, measurement number breaking same-second ties", async () => {
    const job = (name: string, created: string, metric = "m") => ({
      metadata: {
        name: `${uid}.${name}`,
        creationTimestamp: created,
        annotations: { "analysisrun.argoproj.io/metric-name": metric },
      },
    });
    const { jobs, deleted } = fakeJobs({
      list: async () => [
        job("m.10", "2026-01-01T00:00:05Z"),
        job("m.9", "2026-01-01T00:00:05Z"),
        job("m.2", "2026-01-01T00:00:01Z"),
        job("other.1", "2026-01-01T00:00:00Z", "other"),
      ],
    });
    const provider = createJobProvider({ jobs });
    await provider.garbageCollect({ analysisRun, metric: { name: "m" }, config }, 1);
    expect(deleted).toEqual([`${uid}.m.2`, `${uid}.m.9`]);
  });
});
