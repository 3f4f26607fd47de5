import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, field, startTestCluster, waitFor } from "./helpers.js";
import { type Cluster, createOk, getPod, isReady, kubectl, PDBS, PODS } from "./kubelet-helpers.js";

// pods/eviction and PodDisruptionBudgets (policy/v1), through the API and kubectl.
let cluster: Cluster;
const RS = "/apis/apps/v1/namespaces/default/replicasets";

beforeAll(async () => {
  cluster = await startTestCluster({ podReadyDelayMs: 100 });
});

afterAll(async () => {
  await cluster?.cleanup();
});

async function readyPods(app: string): Promise<string[]> {
  const res = await call(cluster, "GET", `${PODS}?labelSelector=app%3D${app}`);
  const items = (field(res.body, "items") as unknown[]) ?? [];
  return items.filter(isReady).map((p) => String(field(p, "metadata", "name")));
}

function eviction(name: string): Record<string, unknown> {
  return { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace: "default" } };
}

describe("eviction and PodDisruptionBudgets", { timeout: 90_000 }, () => {
  it("refuses an eviction the budget forbids (429) and allows one it permits", async () => {
    await createOk(cluster, RS, {
      metadata: { name: "guarded" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "guarded" } },
        template: {
          metadata: { labels: { app: "guarded" } },
          spec: { containers: [{ name: "app", image: "nginx:1.27" }] },
        },
      },
    });
    await createOk(cluster, PDBS, {
      metadata: { name: "guarded-pdb" },
      spec: { minAvailable: 2, selector: { matchLabels: { app: "guarded" } } },
    });
    const names = await waitFor("two ready guarded pods", async () => {
      const ready = await readyPods("guarded");
      return ready.length === 2 ? ready : undefined;
    });
    const pdb = await waitFor("the budget's status", async () => {
      const res = await call(cluster, "GET", `${PDBS}/guarded-pdb`);
      return field(res.body, "status", "currentHealthy") === 2 ? res.body : undefined;
    });
    expect(field(pdb, "status")).toMatchObject({
      desiredHealthy: 2,
      expectedPods: 2,
      disruptionsAllowed: 0,
    });
    const victim = names[0] ?? "";
    const refused = await call(cluster, "POST", `${PODS}/${victim}/eviction`, eviction(victim));
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      reason: "TooManyRequests",
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
    });
    expect(JSON.stringify(field(refused.body, "details", "causes"))).toContain(
      "guarded-pdb needs 2",
    );
    expect(await getPod(cluster, victim)).toBeDefined();

    // kubectl sees the budget.
    const listed = await kubectl(cluster, "get", "pdb", "--no-headers");
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain("guarded-pdb");

    // With room in the budget, the eviction deletes the pod (and the ReplicaSet replaces it).
    const patched = await call(
      cluster,
      "PATCH",
      `${PDBS}/guarded-pdb`,
      { spec: { minAvailable: 1 } },
      { "content-type": "application/merge-patch+json" },
    );
    expect(patched.status).toBe(200);
    const allowed = await call(cluster, "POST", `${PODS}/${victim}/eviction`, eviction(victim));
    expect(allowed.status).toBe(201);
    await waitFor("the evicted pod to be gone", async () =>
      (await getPod(cluster, victim)) ? undefined : true,
    );
  });

  it("lists pods/eviction in discovery, as kubectl drain expects", async () => {
    const res = await call(cluster, "GET", "/api/v1");
    const resources = (field(res.body, "resources") as Array<Record<string, unknown>>) ?? [];
    expect(resources.find((r) => r.name === "pods/eviction")).toMatchObject({
      group: "policy",
      version: "v1",
      kind: "Eviction",
      verbs: ["create"],
    });
  });
});
