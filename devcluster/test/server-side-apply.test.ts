import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  call,
  field,
  kubectlOk,
  kubectl as runKubectl,
  startTestCluster,
  waitFor,
  writeManifest,
} from "./helpers.js";

// Server-side apply: `kubectl apply --server-side` and PATCH application/apply-patch+yaml.
type Cluster = Awaited<ReturnType<typeof startTestCluster>>;
let cluster: Cluster;
const kubectl = (...args: string[]) => runKubectl(cluster, args);
const ok = (...args: string[]) => kubectlOk(cluster, ...args);
const manifest = (name: string, text: string) => writeManifest(cluster, name, text);
const CRD = new URL("./fixtures/rollout-crd.yaml", import.meta.url).pathname;

async function getJson(...args: string[]): Promise<unknown> {
  return JSON.parse(await ok("get", ...args, "-o", "json", "--show-managed-fields")) as unknown;
}

const deployment = (extra: { replicas: number; labels: string; env: string }): string => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {${extra.labels}}}
spec:
  replicas: ${extra.replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        env: [${extra.env}]
`;

beforeAll(async () => {
  cluster = await startTestCluster({ podReadyDelayMs: 100 });
});
afterAll(async () => cluster.cleanup());

describe("server-side apply", { timeout: 120_000 }, () => {
  it("creates, then updates and removes what the manager no longer applies", async () => {
    const first = manifest(
      "web-1.yaml",
      deployment({
        replicas: 2,
        labels: "app: web, tier: front",
        env: '{name: A, value: "1"}, {name: B, value: "2"}',
      }),
    );
    expect(await ok("apply", "--server-side", "-f", first)).toContain(
      "deployment.apps/web serverside-applied",
    );
    const created = await getJson("deployment", "web");
    expect(field(created, "metadata", "labels")).toEqual({ app: "web", tier: "front" });
    const entries = field(created, "metadata", "managedFields") as Array<Record<string, unknown>>;
    expect(entries.map((e) => [e.manager, e.operation, e.fieldsType])).toEqual([
      ["kubectl", "Apply", "FieldsV1"],
    ]);
    expect(
      field(entries[0], "fieldsV1", "f:spec", "f:template", "f:spec", "f:containers"),
    ).toHaveProperty(['k:{"name":"web"}', "f:image"]);

    // The label, the env entry and nothing else leave with the configuration.
    const second = manifest(
      "web-2.yaml",
      deployment({ replicas: 3, labels: "app: web", env: '{name: A, value: "1"}' }),
    );
    await ok("apply", "--server-side", "-f", second);
    const updated = await getJson("deployment", "web");
    expect(field(updated, "metadata", "labels")).toEqual({ app: "web" });
    expect(field(updated, "spec", "replicas")).toBe(3);
    expect(field(updated, "spec", "template", "spec", "containers", 0, "env")).toEqual([
      { name: "A", value: "1" },
    ]);
    expect(field(updated, "metadata", "generation")).toBe(2);
    expect(field(updated, "metadata", "uid")).toBe(field(created, "metadata", "uid"));
  });

  it("refuses to take another applier's field unless forced, then hands it over", async () => {
    const replicas = manifest(
      "replicas.yaml",
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 5}\n",
    );
    const refused = await kubectl(
      "apply",
      "--server-side",
      "--field-manager=scaler",
      "-f",
      replicas,
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('conflict with "kubectl": .spec.replicas');
    expect(await ok("get", "deployment", "web", "-o", "jsonpath={.spec.replicas}")).toBe("3");

    await ok(
      "apply",
      "--server-side",
      "--field-manager=scaler",
      "--force-conflicts",
      "-f",
      replicas,
    );
    expect(await ok("get", "deployment", "web", "-o", "jsonpath={.spec.replicas}")).toBe("5");
    // The field moved: now the first manager's unchanged configuration conflicts.
    const again = await kubectl(
      "apply",
      "--server-side",
      "-f",
      join(cluster.dataDir, "web-2.yaml"),
    );
    expect(again.stderr).toContain('conflict with "scaler": .spec.replicas');
    // A third applier of the same value co-owns the field: no conflict.
    await ok("apply", "--server-side", "--field-manager=third", "-f", replicas);
    const owners = (
      field(await getJson("deployment", "web"), "metadata", "managedFields") as Array<{
        manager: string;
        fieldsV1: Record<string, unknown>;
      }>
    ).filter((entry) => field(entry.fieldsV1, "f:spec", "f:replicas") !== undefined);
    expect(owners.map((entry) => entry.manager).sort()).toEqual(["scaler", "third"]);
  });

  it("applies custom resources, with lists the schema does not key replaced whole", async () => {
    await ok("apply", "-f", CRD);
    const rollout = (steps: string): string => `
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: demo}
spec:
  replicas: 1
  selector: {matchLabels: {app: demo}}
  template:
    metadata: {labels: {app: demo}}
    spec: {containers: [{name: demo, image: "nginx:1.25"}]}
  strategy: {canary: {steps: [${steps}]}}
`;
    await ok(
      "apply",
      "--server-side",
      "-f",
      manifest("ro-1.yaml", rollout("{setWeight: 20}, {pause: {}}")),
    );
    await ok("apply", "--server-side", "-f", manifest("ro-2.yaml", rollout("{setWeight: 50}")));
    expect(await ok("get", "rollout", "demo", "-o", "jsonpath={.spec.strategy.canary.steps}")).toBe(
      '[{"setWeight":50}]',
    );
  });

  it("needs a field manager, stores nothing on a dry run, and writes nothing unchanged", async () => {
    const path = "/api/v1/namespaces/default/configmaps/applied";
    const body = JSON.stringify({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "applied" },
    });
    const headers = { "content-type": "application/apply-patch+yaml" };
    const missing = await call(cluster, "PATCH", path, body, headers);
    expect(missing.status).toBe(400);
    expect(String(missing.body.message)).toContain("fieldManager");
    const dry = await call(cluster, "PATCH", `${path}?fieldManager=t&dryRun=All`, body, headers);
    expect(dry.status).toBe(201);
    expect((await call(cluster, "GET", path)).status).toBe(404);
    const created = await call(cluster, "PATCH", `${path}?fieldManager=t`, body, headers);
    expect(created.status).toBe(201);
    // managedFields times have whole seconds: let one pass, so a bumped time would show.
    const second = Math.floor(Date.now() / 1000);
    await waitFor("the next second", () =>
      Math.floor(Date.now() / 1000) > second ? true : undefined,
    );
    const again = await call(cluster, "PATCH", `${path}?fieldManager=t`, body, headers);
    expect(again.status).toBe(200);
    expect(field(again.body, "metadata", "resourceVersion")).toBe(
      field(created.body, "metadata", "resourceVersion"),
    );
  });
});
