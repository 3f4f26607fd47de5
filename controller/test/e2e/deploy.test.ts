// deploy/: what a user applies to run Sluice in a cluster. The manifests are applied with the
// real kubectl (kustomize included) to devcluster, and the RBAC they grant is checked two
// ways: against a table of every API call in the controller's and bundled plugins' code, and
// against the requests a running controller actually makes (its request metrics).
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { RESOURCES } from "../../src/runtime/kube-resources.js";
import {
  canaryWithServices,
  type Harness,
  repoRoot,
  startHarness,
  waitFor,
  waitForRollout,
} from "./harness.js";

const deployDir = join(repoRoot, "deploy");
const NS = "argo-rollouts";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  // devcluster does not serve rbac.authorization.k8s.io. Stand-in CRDs with the real kinds'
  // fields (and nothing else: kubectl asks for strict field validation) let the RBAC objects
  // be applied and checked for shape like the other manifests.
  await h.apply(rbacStandInCrds());
});

afterAll(async () => {
  await h?.close();
});

function rbacStandInCrds(): string {
  const str = "{type: string}";
  const strList = `{type: array, items: ${str}}`;
  const rules = `{type: array, items: {type: object, required: [verbs], properties: {apiGroups: ${strList}, resources: ${strList}, verbs: ${strList}, resourceNames: ${strList}, nonResourceURLs: ${strList}}}}`;
  const roleRef = `{type: object, required: [apiGroup, kind, name], properties: {apiGroup: ${str}, kind: ${str}, name: ${str}}}`;
  const subjects = `{type: array, items: {type: object, required: [kind, name], properties: {kind: ${str}, name: ${str}, namespace: ${str}, apiGroup: ${str}}}}`;
  const crd = (kind: string, plural: string, scope: string, props: string): string => `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ${plural}.rbac.authorization.k8s.io}
spec:
  group: rbac.authorization.k8s.io
  scope: ${scope}
  names: {kind: ${kind}, plural: ${plural}, singular: ${kind.toLowerCase()}, listKind: ${kind}List}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, properties: {${props}}}
`;
  return [
    crd("Role", "roles", "Namespaced", `rules: ${rules}`),
    crd("ClusterRole", "clusterroles", "Cluster", `rules: ${rules}`),
    crd("RoleBinding", "rolebindings", "Namespaced", `roleRef: ${roleRef}, subjects: ${subjects}`),
    crd(
      "ClusterRoleBinding",
      "clusterrolebindings",
      "Cluster",
      `roleRef: ${roleRef}, subjects: ${subjects}`,
    ),
  ].join("---\n");
}

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

interface Manifest {
  kind: string;
  name: string;
  namespace: string | undefined;
  body: Record<string, unknown>;
}

function rec(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

const renderCache = new Map<string, Promise<Manifest[]>>();

/** The objects `kubectl kustomize DIR` renders, as kubectl apply -k would send them. */
function render(dir: string): Promise<Manifest[]> {
  let result = renderCache.get(dir);
  if (result === undefined) {
    result = renderNow(dir);
    renderCache.set(dir, result);
  }
  return result;
}

async function renderNow(dir: string): Promise<Manifest[]> {
  const text = await h.kubectl("kustomize", dir);
  return parseAllDocuments(text).map((doc) => {
    const body = rec(doc.toJSON());
    const metadata = rec(body.metadata);
    return {
      kind: String(body.kind),
      name: String(metadata.name),
      namespace: typeof metadata.namespace === "string" ? metadata.namespace : undefined,
      body,
    };
  });
}

function rulesOf(manifests: Manifest[], kind: string, name: string): Rule[] {
  const found = manifests.find((m) => m.kind === kind && m.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  return (Array.isArray(found.body.rules) ? found.body.rules : []).map((raw) => {
    const r = rec(raw);
    return {
      apiGroups: strings(r.apiGroups),
      resources: strings(r.resources),
      verbs: strings(r.verbs),
    };
  });
}

function allows(rules: Rule[], group: string, resource: string, verb: string): boolean {
  return rules.some(
    (r) =>
      (r.apiGroups.includes(group) || r.apiGroups.includes("*")) &&
      (r.resources.includes(resource) || r.resources.includes("*")) &&
      (r.verbs.includes(verb) || r.verbs.includes("*")),
  );
}

/**
 * Every API call in the code, with where it is made. "own" calls happen only in the
 * controller's namespace (POD_NAMESPACE): the plugin ConfigMap informer and the Lease.
 * Keep it in step with the code: the running-controller test below fails on a request that
 * is missing here.
 */
const USED: ReadonlyArray<{
  group: string;
  resource: string;
  verbs: string[];
  scope: "watched" | "own" | "cluster";
  where: string;
}> = [
  {
    group: "argoproj.io",
    resource: "rollouts",
    verbs: ["get", "list", "watch", "patch"],
    scope: "watched",
    where: "controller.ts informer; execute.ts patchRollout",
  },
  {
    group: "argoproj.io",
    resource: "rollouts/status",
    verbs: ["patch"],
    scope: "watched",
    where: "execute.ts executePlan status; reconciler.ts TrafficRoutingError",
  },
  {
    group: "argoproj.io",
    resource: "rollouts/finalizers",
    verbs: ["update"],
    scope: "watched",
    where: "owner references with blockOwnerDeletion (replicasets.ts, router-common)",
  },
  {
    group: "argoproj.io",
    resource: "analysisruns",
    verbs: ["get", "list", "watch", "create", "patch", "delete"],
    scope: "watched",
    where:
      "controller.ts informer; rollout/execute.ts create/terminate/delete; analysis/reconciler.ts delete",
  },
  {
    group: "argoproj.io",
    resource: "analysisruns/status",
    verbs: ["patch"],
    scope: "watched",
    where: "reconcilers/analysis/reconciler.ts status patch",
  },
  {
    group: "argoproj.io",
    resource: "analysisruns/finalizers",
    verbs: ["update"],
    scope: "watched",
    where: "job provider Jobs owned by their AnalysisRun (plugins/job provider.ts)",
  },
  {
    group: "argoproj.io",
    resource: "experiments",
    verbs: ["get", "list", "watch", "create", "patch", "delete"],
    scope: "watched",
    where: "experiment reconciler (spec; not wired in this build)",
  },
  {
    group: "argoproj.io",
    resource: "experiments/status",
    verbs: ["patch"],
    scope: "watched",
    where: "experiment controller (spec)",
  },
  {
    group: "argoproj.io",
    resource: "experiments/finalizers",
    verbs: ["update"],
    scope: "watched",
    where: "experiment ReplicaSets owned by their Experiment",
  },
  {
    group: "argoproj.io",
    resource: "analysistemplates",
    verbs: ["get", "list", "watch"],
    scope: "watched",
    where: "controller.ts informer; rollout/observe.ts",
  },
  {
    group: "argoproj.io",
    resource: "clusteranalysistemplates",
    verbs: ["get", "list", "watch"],
    scope: "cluster",
    where: "controller.ts informer; rollout/observe.ts",
  },
  {
    group: "apps",
    resource: "replicasets",
    verbs: ["get", "list", "watch", "create", "patch", "delete"],
    scope: "watched",
    where: "controller.ts informer; execute.ts create/update/deleteReplicaSet",
  },
  {
    group: "apps",
    resource: "deployments",
    verbs: ["get", "list", "watch", "patch"],
    scope: "watched",
    where: "controller.ts informer; execute.ts scaleWorkload",
  },
  {
    group: "",
    resource: "services",
    verbs: ["get", "list", "watch", "patch"],
    scope: "watched",
    where: "controller.ts informer; execute.ts setServiceSelector",
  },
  {
    group: "",
    resource: "pods",
    verbs: ["get", "list", "watch", "patch"],
    scope: "watched",
    where: "controller.ts informer; execute.ts patchPodMetadata; plugins/job kube.ts listPods",
  },
  {
    group: "",
    resource: "pods/eviction",
    verbs: ["create"],
    scope: "watched",
    where: "execute.ts evictPod (restartAt)",
  },
  {
    group: "",
    resource: "events",
    verbs: ["create", "patch"],
    scope: "watched",
    where: "runtime/events.ts",
  },
  {
    group: "",
    resource: "secrets",
    verbs: ["get"],
    scope: "watched",
    where: "reconcilers/analysis/reconciler.ts; plugins/datadog kube-secrets.ts",
  },
  {
    group: "networking.k8s.io",
    resource: "ingresses",
    verbs: ["get", "create", "patch"],
    scope: "watched",
    where: "plugins/nginx router.ts",
  },
  {
    group: "split.smi-spec.io",
    resource: "trafficsplits",
    verbs: ["get", "create", "patch"],
    scope: "watched",
    where: "plugins/smi router.ts",
  },
  {
    group: "batch",
    resource: "jobs",
    verbs: ["get", "list", "create", "delete"],
    scope: "watched",
    where: "plugins/job kube.ts",
  },
  {
    group: "",
    resource: "configmaps",
    verbs: ["get", "list", "watch"],
    scope: "own",
    where: "controller.ts argo-rollouts-config informer",
  },
  {
    group: "coordination.k8s.io",
    resource: "leases",
    verbs: ["get", "create", "update"],
    scope: "own",
    where: "runtime/leader-election.ts",
  },
];

/** Every (group, resource, verb) a set of rules grants, as "group/resource:verb" strings. */
function granted(rules: Rule[]): string[] {
  const out: string[] = [];
  for (const r of rules)
    for (const g of r.apiGroups)
      for (const res of r.resources) for (const v of r.verbs) out.push(`${g}/${res}:${v}`);
  return out.sort();
}

function expected(scopes: Array<"watched" | "own" | "cluster">): string[] {
  return USED.filter((u) => scopes.includes(u.scope))
    .flatMap((u) => u.verbs.map((v) => `${u.group}/${u.resource}:${v}`))
    .sort();
}

describe("deploy/ manifests", () => {
  it("kubectl apply -k deploy/ is accepted and the controller Deployment runs two pods with its identity, probes and hardening", async () => {
    await h.kubectl("apply", "-k", deployDir);
    const rendered = await render(deployDir);
    // Every rendered object now exists in the cluster (one kubectl get for all of them).
    const existing = (await h.kubectl("get", "-k", deployDir, "-o", "name"))
      .trim()
      .split("\n")
      .map((line) => line.slice(line.lastIndexOf("/") + 1))
      .sort();
    expect(existing).toEqual(rendered.map((m) => m.name).sort());
    const deployment = await h.client.get(RESOURCES.deployments, NS, "sluice-controller");
    const pod = rec(rec(deployment.spec).template);
    const podSpec = rec(pod.spec);
    expect(podSpec.serviceAccountName).toBe("sluice-controller");
    expect(rec(podSpec.securityContext).runAsNonRoot).toBe(true);
    const container = rec((podSpec.containers as unknown[])[0]);
    const args = strings(container.args);
    expect(args).toContain("--leader-elect");
    expect(args).toContain("--metrics-port=8090");
    expect(rec(rec(container.livenessProbe).httpGet).path).toBe("/healthz");
    expect(rec(rec(container.readinessProbe).httpGet).path).toBe("/readyz");
    expect(rec(container.securityContext).readOnlyRootFilesystem).toBe(true);
    expect(JSON.stringify(container.env)).toContain("metadata.namespace");
    // A writable /tmp for the plugin sockets, since the root filesystem is read-only.
    expect(JSON.stringify(container.volumeMounts)).toContain('"mountPath":"/tmp"');
    // The metrics Service selects the controller's pods on the metrics port.
    const service = await h.client.get(RESOURCES.services, NS, "sluice-controller-metrics");
    expect(rec(service.spec).selector).toEqual(rec(rec(pod.metadata).labels));
    // devcluster's Deployment controller creates the two replica pods with the
    // ServiceAccount. (Whether they become Ready depends on the image, which devcluster does
    // not have: it runs a container's command in a sandbox without /app.)
    const pods = await waitFor(
      "2 controller pods",
      async () => {
        const list = await h.client.list(RESOURCES.pods, {
          namespace: NS,
          labelSelector: "app.kubernetes.io/name=sluice,app.kubernetes.io/component=controller",
        });
        const items = list.items;
        return items.length === 2 ? items : undefined;
      },
      async () => h.kubectl("get", "pods", "-n", NS),
      60_000,
    );
    for (const item of pods) {
      expect(rec(rec(item).spec).serviceAccountName).toBe("sluice-controller");
    }
  }, 120_000);

  it("the plugin ConfigMap, as shipped, registers no entry and reports no problem", async () => {
    const cm = await h.client.get(RESOURCES.configMaps, NS, "argo-rollouts-config");
    const { parsePluginConfig } = await import("../../src/plugins/registry.js");
    const parsed = parsePluginConfig(rec(cm.data));
    expect(parsed).toEqual({ entries: [], disabled: [], problems: [] });
    // The commented examples themselves are valid entries once uncommented.
    const uncommented: Record<string, string> = {};
    for (const [key, value] of Object.entries(rec(cm.data))) {
      uncommented[key] = String(value)
        .split("\n")
        .map((line) => line.replace(/^(\s*)# ?/, "$1").replace(/\s+#.*$/, ""))
        .join("\n");
    }
    const examples = parsePluginConfig(uncommented);
    expect(examples.problems).toEqual([]);
    expect(examples.entries.length + examples.disabled.length).toBeGreaterThanOrEqual(4);
  }, 120_000);

  it("kubectl apply -k deploy/namespace-install/ is accepted and starts the controller with --namespace", async () => {
    await h.kubectl("apply", "-k", join(deployDir, "namespace-install"));
    const role = await h.client.get(
      {
        group: "rbac.authorization.k8s.io",
        version: "v1",
        plural: "roles",
        kind: "Role",
        namespaced: true,
      },
      NS,
      "sluice-controller",
    );
    expect(Array.isArray(role.rules)).toBe(true);
    const deployment = await h.client.get(RESOURCES.deployments, NS, "sluice-controller");
    const containers = rec(rec(rec(deployment.spec).template).spec).containers;
    expect(JSON.stringify(containers)).toContain("--namespace=$(POD_NAMESPACE)");
  }, 120_000);

  it("a misspelt RBAC field is refused, so an accepted manifest means a well-formed one", async () => {
    const bad = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: misspelt}
rules: [{apiGroups: [""], resources: [pods], verb: [get]}]
`;
    await expect(h.apply(bad)).rejects.toThrow(/verb/);
  }, 120_000);
});

describe("RBAC covers what the code calls", () => {
  it("the ClusterRole plus the own-namespace Role grant exactly the calls in the table", async () => {
    const rendered = await render(deployDir);
    const cluster = rulesOf(rendered, "ClusterRole", "sluice-controller");
    const own = rulesOf(rendered, "Role", "sluice-controller-config");
    expect(granted(cluster)).toEqual(expected(["watched", "cluster"]));
    expect(granted(own)).toEqual(expected(["own"]));
    // The ClusterRoleBinding and RoleBinding name the Deployment's ServiceAccount.
    for (const kind of ["ClusterRoleBinding", "RoleBinding"]) {
      const binding = rendered.find((m) => m.kind === kind);
      expect(binding?.body.subjects, kind).toEqual([
        { kind: "ServiceAccount", name: "sluice-controller", namespace: NS },
      ]);
    }
  }, 120_000);

  it("the namespace-install Role grants every namespaced call of the table", async () => {
    const rendered = await render(join(deployDir, "namespace-install"));
    expect(rendered.some((m) => m.kind.startsWith("Cluster"))).toBe(false);
    const role = rulesOf(rendered, "Role", "sluice-controller");
    const own = rulesOf(rendered, "Role", "sluice-controller-config");
    expect(granted(role)).toEqual(expected(["watched"]));
    expect(granted(own)).toEqual(expected(["own"]));
  }, 120_000);

  it("every request a running controller makes through a canary rollout is granted (its request metrics)", async () => {
    const rendered = await render(deployDir);
    const cluster = rulesOf(rendered, "ClusterRole", "sluice-controller");
    const own = rulesOf(rendered, "Role", "sluice-controller-config");
    // As in the Deployment: leader election, Lease and ConfigMap in the controller's namespace
    // (created here too, so this test does not depend on the apply test before it).
    await h.kubectl("apply", "-f", join(deployDir, "controller", "namespace.yaml"));
    process.env.POD_NAMESPACE = NS;
    const controller = h.startController(["--leader-elect", "--leader-election-namespace", NS]);
    const port = await waitFor(
      "the controller's metrics port in its log",
      async () => {
        const match = /"port":(\d+)[^\n]*sluice-controller started/.exec(h.controllerLog());
        if (match?.[1] !== undefined) return Number(match[1]);
        // A controller that could not start ends the wait at once; the log says why.
        return controller.exitCode !== null ? 0 : undefined;
      },
      async () => h.controllerLog().slice(-800),
      60_000,
    );
    expect(port, h.controllerLog().slice(-800)).toBeGreaterThan(0);
    const name = "rbac";
    await h.apply(
      canaryWithServices(
        name,
        "registry.local/app:v1",
        "      steps: [{setWeight: 50}, {pause: {}}]\n",
        { spec: "  revisionHistoryLimit: 0\n" },
      ),
    );
    const v1 = await waitForRollout(h, name, "Healthy", (v) => v.phase === "Healthy", [], 60_000);
    await h.action(name, { kind: "setImage", container: "app", image: "registry.local/app:v2" });
    await waitForRollout(
      h,
      name,
      "paused",
      (v) => v.phase === "Paused" && v.stepIndex === 1,
      [],
      60_000,
    );
    await h.action(name, { kind: "promote" });
    // revisionHistoryLimit 0: the old ReplicaSet is deleted once scaled down.
    await waitForRollout(
      h,
      name,
      "Healthy on revision 2 with revision 1 deleted",
      (v) =>
        v.phase === "Healthy" && v.stableRS !== v1.stableRS && !((v1.stableRS ?? "") in v.replicas),
      [],
      60_000,
    );
    const metrics = await waitFor(
      "request metrics",
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        return res.ok ? await res.text() : undefined;
      },
      async () => "no answer",
      60_000,
    );
    await h.stopController();
    delete process.env.POD_NAMESPACE;

    const seen = new Set<string>();
    const pattern = /^controller_clientset_k8s_request_total\{([^}]*)\}/gm;
    for (const match of metrics.matchAll(pattern)) {
      const labels = Object.fromEntries(
        [...(match[1] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
      );
      seen.add(`${labels.kind}:${labels.verb}:${labels.namespace ?? ""}`);
    }
    // A run long enough to be meaningful: it created, patched and deleted ReplicaSets, wrote
    // status and events, and took its Lease.
    for (const needed of [
      "replicasets:create",
      "replicasets:patch",
      "replicasets:delete",
      "rollouts:patch",
      "events:create",
      "leases:create",
      "configmaps:list",
    ]) {
      expect(
        [...seen].some((s) => s.startsWith(`${needed}:`)),
        `${needed} in ${[...seen]}`,
      ).toBe(true);
    }
    const groupOf = new Map<string, string>(
      Object.values(RESOURCES).map((r) => [r.plural, r.group]),
    );
    groupOf.set("pods/eviction", "");
    const denied: string[] = [];
    for (const entry of seen) {
      const [kind = "", verb = "", namespace = ""] = entry.split(":");
      const [plural = ""] = kind.split("/");
      const group = groupOf.get(plural);
      if (group === undefined) {
        denied.push(`${entry} (unknown kind)`);
        continue;
      }
      // The metrics do not tell the status subresource from the object: either rule is fine.
      const ok =
        allows(cluster, group, kind, verb) ||
        (kind === "rollouts" &&
          verb === "patch" &&
          allows(cluster, group, "rollouts/status", verb)) ||
        (namespace === NS && allows(own, group, kind, verb));
      const inTable = USED.some(
        (u) =>
          u.group === group &&
          (u.resource === kind || u.resource.startsWith(`${kind}/`)) &&
          u.verbs.includes(verb),
      );
      if (!ok || !inTable)
        denied.push(`${entry}${ok ? "" : " not granted"}${inTable ? "" : " not in the table"}`);
    }
    expect(denied).toEqual([]);
  }, 120_000);
});
