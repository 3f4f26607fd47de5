import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, field, startTestCluster, waitFor } from "./helpers.js";
import {
  type Cluster,
  conditionOf,
  createOk,
  getPod,
  isReady,
  JOBS,
  kubectl,
  PODS,
  podManifest,
  waitForPod,
} from "./kubelet-helpers.js";

// Containers with a command really run, in the bubblewrap sandbox; Jobs follow their pods.
let cluster: Cluster;

beforeAll(async () => {
  cluster = await startTestCluster({ podReadyDelayMs: 100, backOffBaseMs: 1000 });
});

afterAll(async () => {
  await cluster?.cleanup();
});

function job(
  name: string,
  script: string,
  spec: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    metadata: { name },
    spec: {
      backoffLimit: 0,
      ...spec,
      template: {
        spec: {
          restartPolicy: "Never",
          containers: [{ name: "run", image: "busybox:1.36", command: ["sh", "-c", script] }],
        },
      },
    },
  };
}

async function jobPods(name: string): Promise<Array<Record<string, unknown>>> {
  const res = await call(cluster, "GET", `${PODS}?labelSelector=job-name%3D${name}`);
  return (field(res.body, "items") as Array<Record<string, unknown>>) ?? [];
}

async function waitForJob(name: string, type: "Complete" | "Failed", timeoutMs = 30_000) {
  let last: unknown;
  return waitFor(
    `Job ${name} to be ${type}`,
    async () => {
      last = (await call(cluster, "GET", `${JOBS}/${name}`)).body;
      return conditionOf(last, type)?.status === "True"
        ? (last as Record<string, unknown>)
        : undefined;
    },
    {
      timeoutMs,
      // Shows the pods' statuses too: a CreateContainerError there says why nothing ran.
      describe: async () => ({
        job: field(last, "status"),
        pods: (await jobPods(name)).map((p) => field(p, "status", "containerStatuses")),
      }),
    },
  );
}

/** The sandbox must work here: when it cannot, the pod's status says why, and that is shown. */
async function expectNoSandboxError(podName: string): Promise<void> {
  const pod = await getPod(cluster, podName);
  const waiting = field(pod, "status", "containerStatuses", 0, "state", "waiting");
  if (field(waiting, "reason") === "CreateContainerError")
    throw new Error(`the sandbox is not available: ${String(field(waiting, "message"))}`);
}

describe("containers that really run", { timeout: 60_000 }, () => {
  it("fails a Job whose command sleeps 2 s then exits 1, after about 2 s, with its log", async () => {
    const created = Date.now();
    await createOk(cluster, JOBS, job("sleep-fail", "echo starting work; sleep 2 && exit 1"));
    const failed = await waitForJob("sleep-fail", "Failed");
    const elapsed = Date.now() - created;
    expect(conditionOf(failed, "Failed")?.reason).toBe("BackoffLimitExceeded");
    expect(field(failed, "status", "failed")).toBe(1);
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(10_000);
    const [pod] = await jobPods("sleep-fail");
    expect(field(pod, "status", "phase")).toBe("Failed");
    expect(field(pod, "status", "containerStatuses", 0, "state", "terminated")).toMatchObject({
      exitCode: 1,
      reason: "Error",
    });
    const name = String(field(pod, "metadata", "name"));
    const log = await call(cluster, "GET", `${PODS}/${name}/log`);
    expect(log.text).toBe("starting work\n");
    const viaKubectl = await kubectl(cluster, "logs", name);
    expect(viaKubectl.stdout).toBe("starting work\n");
  });

  it("completes a Job whose command exits 0", async () => {
    await createOk(cluster, JOBS, job("exit-zero", "echo all good; exit 0"));
    const done = await waitForJob("exit-zero", "Complete");
    expect(field(done, "status", "succeeded")).toBe(1);
    expect(conditionOf(done, "SuccessCriteriaMet")?.status).toBe("True");
    const [pod] = await jobPods("exit-zero");
    expect(field(pod, "status", "phase")).toBe("Succeeded");
    expect(field(pod, "metadata", "ownerReferences", 0, "kind")).toBe("Job");
  });

  it("lets the job hooks win over a command: the command is not executed", async () => {
    const hooked = job("hooked", "exit 0");
    (hooked.metadata as Record<string, unknown>).annotations = {
      "devcluster.sluice.dev/job-result": "fail",
      "devcluster.sluice.dev/job-duration-ms": "1500",
    };
    const created = Date.now();
    await createOk(cluster, JOBS, hooked);
    await waitForJob("hooked", "Failed");
    expect(Date.now() - created).toBeGreaterThanOrEqual(1400);
    const [pod] = await jobPods("hooked");
    expect(field(pod, "status", "containerStatuses", 0, "state", "terminated", "exitCode")).toBe(1);
  });

  it("runs completions with parallelism, counting each success", async () => {
    await createOk(cluster, JOBS, job("three", "exit 0", { completions: 3, parallelism: 2 }));
    const done = await waitForJob("three", "Complete");
    expect(field(done, "status", "succeeded")).toBe(3);
    expect((await jobPods("three")).length).toBe(3);
  });

  it("retries failed pods up to backoffLimit, with back-off between them", async () => {
    const created = Date.now();
    await createOk(cluster, JOBS, job("retry", "exit 3", { backoffLimit: 1 }));
    const failed = await waitForJob("retry", "Failed");
    expect(field(failed, "status", "failed")).toBe(2);
    expect((await jobPods("retry")).length).toBe(2);
    // The second pod waits the first back-off (1 s in this suite, 10 s by default).
    expect(Date.now() - created).toBeGreaterThanOrEqual(900);
  });

  it("fails a Job past activeDeadlineSeconds with DeadlineExceeded and stops its pods", async () => {
    const created = Date.now();
    await createOk(cluster, JOBS, job("deadline", "sleep 30", { activeDeadlineSeconds: 2 }));
    const failed = await waitForJob("deadline", "Failed");
    expect(conditionOf(failed, "Failed")?.reason).toBe("DeadlineExceeded");
    // status.startTime has whole seconds, as on a real cluster: the deadline may come up to 1 s early.
    expect(Date.now() - created).toBeGreaterThanOrEqual(900);
    expect(Date.now() - created).toBeLessThan(8000);
    await waitFor("the deadline Job's pods to be gone", async () =>
      (await jobPods("deadline")).length === 0 ? true : undefined,
    );
  });

  it("deletes a finished Job after ttlSecondsAfterFinished", async () => {
    await createOk(cluster, JOBS, job("short-lived", "exit 0", { ttlSecondsAfterFinished: 4 }));
    const done = await waitForJob("short-lived", "Complete");
    const completed = Date.parse(String(field(done, "status", "completionTime")));
    await waitFor("the Job to be deleted by its TTL", async () =>
      (await call(cluster, "GET", `${JOBS}/short-lived`)).status === 404 ? true : undefined,
    );
    // completionTime has whole seconds: the deletion comes 3 to 5 s after it.
    expect(Date.now() - completed).toBeGreaterThanOrEqual(3000);
    await waitFor("its pods to be collected", async () =>
      (await jobPods("short-lived")).length === 0 ? true : undefined,
    );
  });

  it("sandboxes commands: unprivileged, read-only system, loopback-only network", async () => {
    const script =
      "id -u; (touch /usr/x 2>/dev/null && echo writable) || echo read-only; " +
      "echo scratch > /tmp/f && cat /tmp/f; grep -c ':' /proc/net/dev; sleep 600";
    await createOk(cluster, PODS, podManifest("sandboxed", { command: ["sh", "-c", script] }));
    await waitForPod(
      cluster,
      "sandboxed",
      "Running",
      (p) => field(p, "status", "phase") === "Running",
      10_000,
    ).catch(async (error: unknown) => {
      await expectNoSandboxError("sandboxed");
      throw error;
    });
    const log = await waitFor("the sandboxed pod's output", async () => {
      const res = await call(cluster, "GET", `${PODS}/sandboxed/log`);
      return res.text.split("\n").length >= 5 ? res.text : undefined;
    });
    // uid 65534 (nobody), /usr read-only, a writable /tmp, and one interface (lo).
    expect(log).toBe("65534\nread-only\nscratch\n1\n");
    // A command that keeps running keeps the pod Running and Ready.
    await waitForPod(cluster, "sandboxed", "Ready", isReady);
  });

  it("keeps a container without a command (a server image) running until deleted", async () => {
    await createOk(cluster, PODS, podManifest("server", {}, { restartPolicy: "Never" }));
    await waitForPod(cluster, "server", "Ready", isReady);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const pod = await getPod(cluster, "server");
    expect(field(pod, "status", "phase")).toBe("Running");
    expect(field(pod, "status", "containerStatuses", 0, "restartCount")).toBe(0);
    expect((await call(cluster, "DELETE", `${PODS}/server`)).status).toBe(200);
  });
});
