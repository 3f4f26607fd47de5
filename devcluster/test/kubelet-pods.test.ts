import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { HOOK_ANNOTATIONS } from "../src/index.js";
import { call, field, startTestCluster, waitFor } from "./helpers.js";
import {
  type Cluster,
  CONFIGMAPS,
  conditionOf,
  createOk,
  DEPLOYMENTS,
  getPod,
  isReady,
  PODS,
  podManifest,
  time,
  waitForPod,
  waitingReason,
} from "./kubelet-helpers.js";
import { openWatch } from "./watch-stream.js";

// The simulated kubelet through the API: what a client of a real cluster would observe.
let cluster: Cluster;

beforeAll(async () => {
  // Back-offs start at 1 s instead of Kubernetes' 10 s so the suite stays short.
  cluster = await startTestCluster({
    podReadyDelayMs: 100,
    backOffBaseMs: 1000,
    images: { missing: ["registry.example/absent*"] },
  });
});

afterAll(async () => {
  await cluster?.cleanup();
});

describe("the simulated kubelet", { timeout: 60_000 }, () => {
  it("runs init containers first, then reports phase, conditions and container states", async () => {
    await createOk(cluster, PODS, {
      metadata: { name: "lifecycle" },
      spec: {
        initContainers: [{ name: "setup", image: "busybox:1.36" }],
        containers: [{ name: "web", image: "nginx:1.27" }],
      },
    });
    const pod = await waitForPod(cluster, "lifecycle", "Ready", isReady);
    expect(field(pod, "status", "phase")).toBe("Running");
    for (const type of ["PodScheduled", "Initialized", "ContainersReady", "Ready"]) {
      const condition = conditionOf(pod, type);
      expect(condition?.status, type).toBe("True");
      expect(Number.isNaN(time(condition?.lastTransitionTime)), type).toBe(false);
    }
    expect(field(pod, "status", "initContainerStatuses", 0, "state", "terminated")).toMatchObject({
      exitCode: 0,
      reason: "Completed",
    });
    const web = field(pod, "status", "containerStatuses", 0) as Record<string, unknown>;
    expect(web).toMatchObject({ name: "web", ready: true, started: true, restartCount: 0 });
    expect(typeof field(web, "state", "running", "startedAt")).toBe("string");
    expect(field(pod, "status", "podIP")).toMatch(/^10\.244\./);
  });

  it("says InvalidImageName for a malformed image and never starts the pod", async () => {
    await createOk(cluster, PODS, podManifest("bad-image", { image: "Nginx:UPPER CASE" }));
    const pod = await waitForPod(
      cluster,
      "bad-image",
      "InvalidImageName",
      (p) => waitingReason(p) === "InvalidImageName",
    );
    expect(field(pod, "status", "phase")).toBe("Pending");
    expect(isReady(pod)).toBe(false);
  });

  it("leaves a pod with a missing image in ErrImagePull, then ImagePullBackOff, never Ready", async () => {
    // A watch sees every status the kubelet writes, however busy the machine is.
    const watch = openWatch(cluster, `${PODS}?watch=true&fieldSelector=metadata.name%3Dno-image`);
    try {
      await createOk(
        cluster,
        PODS,
        podManifest("no-image", { image: "registry.example/absent:1" }),
      );
      const reasons = (): unknown[] => watch.events.map((e) => waitingReason(e.object));
      // Fails, backs off, tries again (ErrImagePull again after the back-off).
      await waitFor(
        "ErrImagePull, ImagePullBackOff, then ErrImagePull again",
        () => {
          const seen = reasons().filter((r, i, all) => r !== all[i - 1]);
          const first = seen.indexOf("ErrImagePull");
          const backOff = seen.indexOf("ImagePullBackOff", first);
          return first >= 0 && backOff > first && seen.indexOf("ErrImagePull", backOff) > backOff
            ? true
            : undefined;
        },
        { describe: reasons },
      );
      const message = watch.events
        .map((e) =>
          field(e.object, "status", "containerStatuses", 0, "state", "waiting", "message"),
        )
        .find((m) => typeof m === "string" && m.startsWith("Back-off pulling image"));
      expect(message).toBe('Back-off pulling image "registry.example/absent:1"');
      expect(watch.events.some((e) => isReady(e.object))).toBe(false);
      expect(watch.events.every((e) => field(e.object, "status", "phase") === "Pending")).toBe(
        true,
      );
    } finally {
      watch.close();
    }
  });

  it("takes the registry's image list and pull delay from the devcluster-images ConfigMap", async () => {
    await createOk(cluster, CONFIGMAPS, {
      metadata: { name: "devcluster-images" },
      data: { "images.yaml": "missing: [registry.example/absent*]\npullDelayMs: 1500\n" },
    });
    const created = Date.now();
    await createOk(cluster, PODS, podManifest("slow-pull", { image: "example.org/team/app:2" }));
    const pulling = await waitForPod(
      cluster,
      "slow-pull",
      "pulling",
      (p) => waitingReason(p) === "ContainerCreating",
    );
    expect(field(pulling, "status", "phase")).toBe("Pending");
    await waitForPod(
      cluster,
      "slow-pull",
      "Running",
      (p) => field(p, "status", "phase") === "Running",
    );
    expect(Date.now() - created).toBeGreaterThanOrEqual(1400);
    await call(cluster, "DELETE", `${CONFIGMAPS}/devcluster-images`);
  });

  it("stalls a Deployment whose image is missing, as on a real cluster", async () => {
    await createOk(cluster, DEPLOYMENTS, {
      metadata: { name: "stalled" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "stalled" } },
        template: {
          metadata: { labels: { app: "stalled" } },
          spec: { containers: [{ name: "app", image: "registry.example/absent-app:3" }] },
        },
      },
    });
    await waitFor("the stalled Deployment's pods in ImagePullBackOff", async () => {
      const res = await call(cluster, "GET", `${PODS}?labelSelector=app%3Dstalled`);
      const items = field(res.body, "items") as unknown[];
      return items.length === 2 && items.every((p) => waitingReason(p) === "ImagePullBackOff")
        ? true
        : undefined;
    });
    const deployment = await call(cluster, "GET", `${DEPLOYMENTS}/stalled`);
    expect(field(deployment.body, "status", "readyReplicas") ?? 0).toBe(0);
    expect(field(deployment.body, "status", "availableReplicas") ?? 0).toBe(0);
  });

  it("honours readinessProbe initialDelaySeconds and successThreshold", async () => {
    const watch = openWatch(cluster, `${PODS}?watch=true&fieldSelector=metadata.name%3Dprobed`);
    onTestFinished(() => watch.close());
    const created = Date.now();
    await createOk(
      cluster,
      PODS,
      podManifest("probed", {
        readinessProbe: {
          httpGet: { path: "/", port: 80 },
          initialDelaySeconds: 1,
          periodSeconds: 1,
          successThreshold: 2,
        },
      }),
    );
    await waitForPod(cluster, "probed", "Ready", isReady);
    // First probe at 1 s, the second success at 2 s; Running but unready until then.
    const elapsed = Date.now() - created;
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(10_000);
    const running = watch.events.filter((e) => field(e.object, "status", "phase") === "Running");
    expect(running.length).toBeGreaterThan(0);
    expect(isReady(running[0]?.object)).toBe(false);
  });

  it("turns a pod unready when its readiness probe starts failing (test hook)", async () => {
    const created = Date.now();
    await createOk(
      cluster,
      PODS,
      podManifest(
        "flaky",
        {
          readinessProbe: {
            exec: { command: ["true"] },
            periodSeconds: 1,
            failureThreshold: 2,
            timeoutSeconds: 1,
          },
        },
        {},
        { [HOOK_ANNOTATIONS.readinessFailsAfterMs]: "1000" },
      ),
    );
    await waitForPod(cluster, "flaky", "Ready", isReady);
    const pod = await waitForPod(cluster, "flaky", "unready again", (p) => !isReady(p));
    // Probes every second from the start, failing from 1 s: failures at 1 s and 2 s, the
    // second counted after its 1 s timeout, so unready 3 s after the start.
    expect(Date.now() - created).toBeGreaterThanOrEqual(2900);
    expect(conditionOf(pod, "ContainersReady")?.status).toBe("False");
    expect(field(pod, "status", "phase")).toBe("Running");
  });

  it("restarts a container whose liveness probe fails, with restartCount and lastState", async () => {
    await createOk(
      cluster,
      PODS,
      podManifest(
        "unhealthy",
        { livenessProbe: { tcpSocket: { port: 80 }, periodSeconds: 1, failureThreshold: 1 } },
        {},
        { [HOOK_ANNOTATIONS.livenessFailsAfterMs]: "500" },
      ),
    );
    const pod = await waitForPod(
      cluster,
      "unhealthy",
      "restarted",
      (p) => Number(field(p, "status", "containerStatuses", 0, "restartCount")) >= 1,
    );
    expect(
      field(pod, "status", "containerStatuses", 0, "lastState", "terminated", "exitCode"),
    ).toBe(137);
  });

  it("keeps a container not started until its startupProbe passes", async () => {
    const watch = openWatch(cluster, `${PODS}?watch=true&fieldSelector=metadata.name%3Dstarting`);
    onTestFinished(() => watch.close());
    await createOk(
      cluster,
      PODS,
      podManifest("starting", {
        startupProbe: { exec: { command: ["true"] }, initialDelaySeconds: 2, periodSeconds: 1 },
      }),
    );
    const started = await waitForPod(cluster, "starting", "Ready", isReady);
    expect(field(started, "status", "containerStatuses", 0, "started")).toBe(true);
    const early = watch.events.find((e) => field(e.object, "status", "phase") === "Running");
    expect(field(early?.object, "status", "containerStatuses", 0, "started")).toBe(false);
    expect(isReady(early?.object)).toBe(false);
  });

  it("makes a pod with readinessGates Ready only once a status patch sets the gate", async () => {
    await createOk(
      cluster,
      PODS,
      podManifest("gated", {}, { readinessGates: [{ conditionType: "example.com/lb-ready" }] }),
    );
    const waiting = await waitForPod(
      cluster,
      "gated",
      "containers ready",
      (p) => conditionOf(p, "ContainersReady")?.status === "True",
    );
    expect(conditionOf(waiting, "Ready")).toMatchObject({
      status: "False",
      reason: "ReadinessGatesNotReady",
    });
    const patch = await call(
      cluster,
      "PATCH",
      `${PODS}/gated/status`,
      { status: { conditions: [{ type: "example.com/lb-ready", status: "True" }] } },
      { "content-type": "application/strategic-merge-patch+json" },
    );
    expect(patch.status).toBe(200);
    const ready = await waitForPod(cluster, "gated", "Ready", isReady);
    expect(conditionOf(ready, "example.com/lb-ready")?.status).toBe("True");
  });

  it("delays readiness by a postStart sleep", async () => {
    const created = Date.now();
    await createOk(
      cluster,
      PODS,
      podManifest("post-start", {
        lifecycle: { postStart: { exec: { command: ["sh", "-c", "sleep 2"] } } },
      }),
    );
    await waitForPod(cluster, "post-start", "Ready", isReady);
    expect(Date.now() - created).toBeGreaterThanOrEqual(1900);
  });

  it("keeps a deleted pod Terminating for its preStop sleep, bounded by the grace period", async () => {
    await createOk(
      cluster,
      PODS,
      podManifest("pre-stop", {
        lifecycle: { preStop: { exec: { command: ["/bin/sleep", "2"] } } },
      }),
    );
    await createOk(
      cluster,
      PODS,
      podManifest(
        "short-grace",
        { lifecycle: { preStop: { exec: { command: ["sleep", "20"] } } } },
        { terminationGracePeriodSeconds: 1 },
      ),
    );
    await waitForPod(cluster, "pre-stop", "Ready", isReady);
    await waitForPod(cluster, "short-grace", "Ready", isReady);
    const deletedAt = Date.now();
    const answer = await call(cluster, "DELETE", `${PODS}/pre-stop`);
    expect(answer.status).toBe(202);
    const bounded = await call(cluster, "DELETE", `${PODS}/short-grace`);
    // A 20 s preStop bounded by a 1 s grace period.
    expect(field(bounded.body, "metadata", "deletionGracePeriodSeconds")).toBe(1);
    const terminating = await getPod(cluster, "pre-stop");
    expect(typeof field(terminating, "metadata", "deletionTimestamp")).toBe("string");
    expect(field(terminating, "metadata", "deletionGracePeriodSeconds")).toBe(2);
    const table = await call(cluster, "GET", `${PODS}/pre-stop`, undefined, {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io",
    });
    expect(JSON.stringify(field(table.body, "rows", 0, "cells"))).toContain("Terminating");
    await waitFor("short-grace to go", async () =>
      (await getPod(cluster, "short-grace")) ? undefined : true,
    );
    const shortGone = Date.now() - deletedAt;
    await waitFor("pre-stop to go", async () =>
      (await getPod(cluster, "pre-stop")) ? undefined : true,
    );
    const gone = Date.now() - deletedAt;
    expect(shortGone).toBeGreaterThanOrEqual(900);
    expect(gone).toBeGreaterThanOrEqual(1900);
    expect(gone).toBeLessThan(10_000);
  });

  it("crash-loops a container whose command does not exist (StartError, CrashLoopBackOff)", async () => {
    await createOk(
      cluster,
      PODS,
      podManifest("no-binary", { command: ["/usr/bin/definitely-not-here"] }),
    );
    const pod = await waitForPod(
      cluster,
      "no-binary",
      "CrashLoopBackOff after a restart",
      (p) =>
        waitingReason(p) === "CrashLoopBackOff" &&
        Number(field(p, "status", "containerStatuses", 0, "restartCount")) >= 1,
    );
    expect(field(pod, "status", "containerStatuses", 0, "lastState", "terminated")).toMatchObject({
      exitCode: 128,
      reason: "StartError",
    });
    expect(
      String(field(pod, "status", "containerStatuses", 0, "lastState", "terminated", "message")),
    ).toContain("definitely-not-here");
    expect(isReady(pod)).toBe(false);
  });
});
