import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOOK_ANNOTATIONS } from "../src/index.js";
import { call, field, startTestCluster, waitFor } from "./helpers.js";

type Cluster = Awaited<ReturnType<typeof startTestCluster>>;
let cluster: Cluster;
const NS = "/api/v1/namespaces";
const RS = "/apis/apps/v1/namespaces/default/replicasets";
const DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments";
const PODS = "/api/v1/namespaces/default/pods";
const JOBS = "/apis/batch/v1/namespaces/default/jobs";
const MERGE = { "content-type": "application/merge-patch+json" };

interface Item {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Array<{ name: string }>;
  };
  status?: Record<string, unknown>;
}

function workload(
  kind: "ReplicaSet" | "Deployment",
  name: string,
  replicas: number,
  extra: Record<string, unknown> = {},
  annotations: Record<string, string> = {},
): Record<string, unknown> {
  return {
    apiVersion: "apps/v1",
    kind,
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, tier: "t" }, annotations },
        spec: {
          containers: [
            { name: "main", image: "nginx:1.25", ports: [{ name: "http", containerPort: 8080 }] },
          ],
        },
      },
      ...extra,
    },
  };
}

async function pods(selector: string): Promise<Item[]> {
  const res = await call(cluster, "GET", `${PODS}?labelSelector=${encodeURIComponent(selector)}`);
  return res.body.items as Item[];
}

function ready(pod: Item): boolean {
  const conditions = (pod.status?.conditions ?? []) as Array<{ type: string; status: string }>;
  return conditions.some((c) => c.type === "Ready" && c.status === "True");
}

beforeAll(async () => {
  cluster = await startTestCluster({ podReadyDelayMs: 300 });
});
afterAll(async () => cluster.cleanup());

describe("simulated controllers", { timeout: 120_000 }, () => {
  it("ReplicaSet creates named, labelled pods that become Ready, and reports status", async () => {
    const created = await call(cluster, "POST", RS, workload("ReplicaSet", "rs1", 3));
    expect(created.status).toBe(201);
    const status = await waitFor("rs1 to have 3 ready replicas", async () => {
      const rs = await call(cluster, "GET", `${RS}/rs1`);
      return field(rs.body, "status", "readyReplicas") === 3 ? rs.body.status : undefined;
    });
    expect(status).toMatchObject({
      replicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      observedGeneration: 1,
    });
    const list = await pods("app=rs1");
    expect(list).toHaveLength(3);
    for (const pod of list) {
      expect(pod.metadata.name).toMatch(/^rs1-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(pod.metadata.labels).toEqual({ app: "rs1", tier: "t" });
      expect(pod.metadata.ownerReferences?.[0]?.name).toBe("rs1");
      expect(field(pod, "status", "phase")).toBe("Running");
    }
    await call(cluster, "PATCH", `${RS}/rs1`, { spec: { replicas: 1 } }, MERGE);
    await waitFor("rs1 to scale down to 1 pod", async () =>
      (await pods("app=rs1")).length === 1 ? true : undefined,
    );
    await waitFor("rs1 observedGeneration 2", async () =>
      field((await call(cluster, "GET", `${RS}/rs1`)).body, "status", "observedGeneration") === 2
        ? true
        : undefined,
    );
  });

  it("counts pods as available only after minReadySeconds", async () => {
    await call(cluster, "POST", RS, workload("ReplicaSet", "slow", 1, { minReadySeconds: 2 }));
    const readyAt = await waitFor("slow to have a ready replica", async () => {
      const rs = await call(cluster, "GET", `${RS}/slow`);
      return field(rs.body, "status", "readyReplicas") === 1 ? rs.body : undefined;
    });
    expect(field(readyAt, "status", "availableReplicas")).toBe(0);
    await waitFor("slow to count its replica available", async () => {
      const rs = await call(cluster, "GET", `${RS}/slow`);
      return field(rs.body, "status", "availableReplicas") === 1 ? true : undefined;
    });
  });

  it("applies the pod test hooks: unready, crash-loop and fail", async () => {
    await call(
      cluster,
      "POST",
      RS,
      workload("ReplicaSet", "held", 1, {}, { [HOOK_ANNOTATIONS.unready]: "true" }),
    );
    await call(
      cluster,
      "POST",
      RS,
      workload("ReplicaSet", "crashy", 1, {}, { [HOOK_ANNOTATIONS.crashLoop]: "true" }),
    );
    await call(cluster, "POST", PODS, {
      metadata: { name: "doomed", annotations: { [HOOK_ANNOTATIONS.fail]: "true" } },
      spec: { containers: [{ name: "main", image: "busybox:1" }] },
    });
    const crash = await waitFor("a crash-looping pod", async () => {
      const [pod] = await pods("app=crashy");
      return field(pod, "status", "containerStatuses", 0, "state", "waiting", "reason") ===
        "CrashLoopBackOff"
        ? pod
        : undefined;
    });
    expect(field(crash, "status", "containerStatuses", 0, "restartCount")).toBeGreaterThan(0);
    await waitFor("the failing pod to fail", async () =>
      field((await call(cluster, "GET", `${PODS}/doomed`)).body, "status", "phase") === "Failed"
        ? true
        : undefined,
    );
    // Held pods stay unready well past the ready delay; removing the hook lets them become Ready.
    await waitFor("held pod running", async () => {
      const [pod] = await pods("app=held");
      return field(pod, "status", "phase") === "Running" ? true : undefined;
    });
    const [held] = await pods("app=held");
    expect(held && ready(held)).toBe(false);
    expect(field((await call(cluster, "GET", `${RS}/held`)).body, "status", "readyReplicas")).toBe(
      0,
    );
    await call(
      cluster,
      "PATCH",
      `${PODS}/${held?.metadata.name ?? ""}`,
      { metadata: { annotations: { [HOOK_ANNOTATIONS.unready]: null } } },
      MERGE,
    );
    await waitFor("held pod ready after the hook is removed", async () => {
      const [pod] = await pods("app=held");
      return pod && ready(pod) ? true : undefined;
    });
  });

  it("Deployment rolls a new template out through a new ReplicaSet", async () => {
    await call(cluster, "POST", DEPLOYMENTS, workload("Deployment", "web", 4));
    await waitFor("web available", async () =>
      field(
        (await call(cluster, "GET", `${DEPLOYMENTS}/web`)).body,
        "status",
        "availableReplicas",
      ) === 4
        ? true
        : undefined,
    );
    await call(
      cluster,
      "PATCH",
      `${DEPLOYMENTS}/web`,
      { spec: { template: { spec: { containers: [{ name: "main", image: "nginx:1.26" }] } } } },
      { "content-type": "application/strategic-merge-patch+json" },
    );
    const status = await waitFor(
      "web rolled out",
      async () => {
        const d = await call(cluster, "GET", `${DEPLOYMENTS}/web`);
        const s = d.body.status as Record<string, unknown>;
        return s.observedGeneration === 2 &&
          s.updatedReplicas === 4 &&
          s.availableReplicas === 4 &&
          s.replicas === 4
          ? d.body
          : undefined;
      },
      {
        describe: async () =>
          (await call(cluster, "GET", `${RS}?labelSelector=app%3Dweb`)).body.items,
      },
    );
    expect(field(status, "status", "conditions")).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: "Progressing", reason: "NewReplicaSetAvailable" }),
      ]),
    );
    const sets = (await call(cluster, "GET", `${RS}?labelSelector=app%3Dweb`)).body.items as Array<
      Item & { spec: { replicas: number } }
    >;
    expect(
      sets
        .map((rs) => [
          rs.metadata.annotations?.["deployment.kubernetes.io/revision"],
          rs.spec.replicas,
        ])
        .sort(),
    ).toEqual([
      ["1", 0],
      ["2", 4],
    ]);
    const images = (await pods("app=web")).map((p) => field(p, "spec", "containers", 0, "image"));
    expect(images).toEqual(["nginx:1.26", "nginx:1.26", "nginx:1.26", "nginx:1.26"]);
  });

  it("Job runs a pod to Complete, or to Failed when the hook says so", async () => {
    const job = (name: string, annotations: Record<string, string>): Record<string, unknown> => ({
      metadata: { name, annotations },
      spec: {
        backoffLimit: 0,
        template: {
          spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox:1" }] },
        },
      },
    });
    await call(cluster, "POST", JOBS, job("ok", { [HOOK_ANNOTATIONS.jobDurationMs]: "200" }));
    await call(
      cluster,
      "POST",
      JOBS,
      job("ko", { [HOOK_ANNOTATIONS.jobResult]: "fail", [HOOK_ANNOTATIONS.jobDurationMs]: "200" }),
    );
    const condition = async (name: string): Promise<string | undefined> => {
      const conditions = field(
        (await call(cluster, "GET", `${JOBS}/${name}`)).body,
        "status",
        "conditions",
      ) as Array<{ type: string; status: string }> | undefined;
      return conditions?.find(
        (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
      )?.type;
    };
    expect(await waitFor("job ok to finish", () => condition("ok"))).toBe("Complete");
    expect(await waitFor("job ko to finish", () => condition("ko"))).toBe("Failed");
    expect(field((await call(cluster, "GET", `${JOBS}/ok`)).body, "status", "succeeded")).toBe(1);
  });

  it("Service gets Endpoints listing its ready pods", async () => {
    await call(cluster, "POST", RS, workload("ReplicaSet", "backend", 2));
    await call(cluster, "POST", "/api/v1/namespaces/default/services", {
      metadata: { name: "backend" },
      spec: {
        selector: { app: "backend" },
        ports: [{ name: "http", port: 80, targetPort: "http" }],
      },
    });
    const subsets = await waitFor("backend endpoints with 2 ready addresses", async () => {
      const ep = await call(cluster, "GET", "/api/v1/namespaces/default/endpoints/backend");
      return (field(ep.body, "subsets", 0, "addresses") as unknown[] | undefined)?.length === 2
        ? ep.body.subsets
        : undefined;
    });
    expect(field(subsets, 0, "ports")).toEqual([{ name: "http", port: 8080, protocol: "TCP" }]);

    // A pod relabelled out of the selector leaves the Endpoints; a Service whose selector
    // changes follows the pods it now picks.
    const names = async () => {
      const ep = await call(cluster, "GET", "/api/v1/namespaces/default/endpoints/backend");
      const addresses = (field(ep.body, "subsets", 0, "addresses") ?? []) as unknown[];
      return addresses.map((a) => String(field(a, "targetRef", "name"))).sort();
    };
    const [moved] = await names();
    await call(
      cluster,
      "PATCH",
      `/api/v1/namespaces/default/pods/${moved}`,
      {
        metadata: { labels: { app: "elsewhere" } },
      },
      MERGE,
    );
    await waitFor(
      "the relabelled pod to leave the endpoints",
      async () => {
        const now = await names();
        return now.length === 1 && !now.includes(moved ?? "") ? true : undefined;
      },
      { describe: names },
    );
    await call(
      cluster,
      "PATCH",
      "/api/v1/namespaces/default/services/backend",
      {
        spec: { selector: { app: "elsewhere" } },
      },
      MERGE,
    );
    await waitFor("the endpoints to follow the new selector", async () =>
      JSON.stringify(await names()) === JSON.stringify([moved]) ? true : undefined,
    );
  });
});

describe("garbage collection", () => {
  it("deletes dependents in the background, keeps them with Orphan, waits for them with Foreground", async () => {
    for (const name of ["bg", "orphan", "fg"])
      await call(cluster, "POST", RS, workload("ReplicaSet", name, 2));
    for (const name of ["bg", "orphan", "fg"])
      await waitFor(`${name} pods`, async () =>
        (await pods(`app=${name}`)).length === 2 ? true : undefined,
      );
    await call(cluster, "DELETE", `${RS}/bg`, { propagationPolicy: "Background" });
    await waitFor("bg pods collected", async () =>
      (await pods("app=bg")).length === 0 ? true : undefined,
    );
    await call(cluster, "DELETE", `${RS}/orphan?propagationPolicy=Orphan`);
    const orphans = await pods("app=orphan");
    expect(orphans).toHaveLength(2);
    expect(orphans.every((p) => (p.metadata.ownerReferences ?? []).length === 0)).toBe(true);
    const foreground = await call(cluster, "DELETE", `${RS}/fg`, {
      propagationPolicy: "Foreground",
    });
    expect(field(foreground.body, "metadata", "finalizers")).toEqual(["foregroundDeletion"]);
    await waitFor("fg owner gone after its pods", async () =>
      (await call(cluster, "GET", `${RS}/fg`)).status === 404 ? true : undefined,
    );
    expect(await pods("app=fg")).toHaveLength(0);
  });

  it("empties a namespace before removing it", async () => {
    await call(cluster, "POST", NS, { metadata: { name: "doomed-ns" } });
    await call(cluster, "POST", `${NS}/doomed-ns/configmaps`, { metadata: { name: "c" } });
    const deleting = await call(cluster, "DELETE", `${NS}/doomed-ns`);
    expect(field(deleting.body, "status", "phase")).toBe("Terminating");
    await waitFor("namespace removed", async () =>
      (await call(cluster, "GET", `${NS}/doomed-ns`)).status === 404 ? true : undefined,
    );
    expect((await call(cluster, "GET", `${NS}/doomed-ns/configmaps/c`)).status).toBe(404);
  });
});
