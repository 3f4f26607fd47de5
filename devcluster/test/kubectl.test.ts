import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  kubectlOk,
  kubectl as runKubectl,
  startTestCluster,
  waitFor,
  writeManifest,
} from "./helpers.js";

// The real kubectl (installed at /usr/bin/kubectl on the build machines) against devcluster.
type Cluster = Awaited<ReturnType<typeof startTestCluster>>;
let cluster: Cluster;
const kubectl = (...args: string[]) => runKubectl(cluster, args);
const ok = (...args: string[]) => kubectlOk(cluster, ...args);
const manifest = (name: string, text: string) => writeManifest(cluster, name, text);
const CRD = new URL("./fixtures/rollout-crd.yaml", import.meta.url).pathname;

const ROLLOUT = `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: demo
  labels: {app: demo}
spec:
  replicas: 2
  selector: {matchLabels: {app: demo}}
  template:
    metadata: {labels: {app: demo}}
    spec:
      containers: [{name: demo, image: "nginx:1.25"}]
  strategy:
    canary:
      steps: [{setWeight: 20}, {pause: {duration: 10s}}]
`;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        env: [{name: A, value: "1"}]
`;

beforeAll(async () => {
  cluster = await startTestCluster({ podReadyDelayMs: 200 });
});
afterAll(async () => cluster.cleanup());

// Each kubectl call starts a process: generous limits for a busy machine.
describe("kubectl against devcluster", { timeout: 180_000 }, () => {
  it("applies a CRD, then a custom resource, twice, and lists it by its plural", async () => {
    expect(await ok("apply", "-f", CRD)).toContain(
      "customresourcedefinition.apiextensions.k8s.io/rollouts.argoproj.io created",
    );
    const path = manifest("rollout.yaml", ROLLOUT);
    expect(await ok("apply", "-f", path)).toContain("rollout.argoproj.io/demo created");
    expect(await ok("apply", "-f", path)).toMatch(
      /rollout.argoproj.io\/demo (unchanged|configured)/,
    );
    const table = await ok("get", "rollouts");
    expect(table).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    expect(table).toMatch(/\ndemo\s+2\s/);
    const invalid = await kubectl(
      "apply",
      "-f",
      manifest("bad.yaml", ROLLOUT.replace("setWeight: 20", "setWeight: 200")),
    );
    expect(invalid.code).not.toBe(0);
    expect(invalid.stderr).toContain("spec.strategy.canary.steps[0].setWeight: Invalid value: 200");
    // kubectl asks for strict field validation: a misspelt field is an error, not silently dropped.
    const typo = await kubectl(
      "apply",
      "-f",
      manifest("typo.yaml", ROLLOUT.replace("replicas: 2", "replicas: 2\n  replicaz: 3")),
    );
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toContain('unknown field "spec.replicaz"');
  });

  it("applies a Deployment, reports unchanged, and prints with -l, -o yaml and -o jsonpath", async () => {
    const path = manifest("web.yaml", DEPLOYMENT);
    expect(await ok("apply", "-f", path)).toContain("deployment.apps/web created");
    expect(await ok("apply", "-f", path)).toContain("deployment.apps/web unchanged");
    await waitFor("web ready", async () =>
      (await ok("get", "deploy", "web", "-o", "jsonpath={.status.readyReplicas}")) === "2"
        ? true
        : undefined,
    );
    const pods = await ok("get", "pods", "-l", "app=web", "-o", "name");
    expect(pods.trim().split("\n")).toHaveLength(2);
    const yaml = parse(await ok("get", "deploy", "web", "-o", "yaml")) as {
      spec: { replicas: number };
      metadata: { annotations: Record<string, string> };
    };
    expect(yaml.spec.replicas).toBe(2);
    expect(yaml.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]).toContain(
      '"name":"web"',
    );
    expect(await ok("get", "pods", "-l", "app notin (web)", "-o", "name")).toBe("");
  });

  it("describes a Deployment", async () => {
    const text = await ok("describe", "deployment", "web");
    expect(text).toMatch(/Name:\s+web/);
    expect(text).toMatch(
      /Replicas:\s+2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable/,
    );
    expect(text).toContain("NewReplicaSetAvailable");
  });

  it("patches with each --type", async () => {
    await ok(
      "patch",
      "deployment",
      "web",
      "--type=strategic",
      "-p",
      '{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"B","value":"2"}]}]}}}}',
    );
    expect(
      await ok(
        "get",
        "deploy",
        "web",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].env[*].name}",
      ),
    ).toBe("A B");
    await ok(
      "patch",
      "deployment",
      "web",
      "--type=merge",
      "-p",
      '{"metadata":{"labels":{"merged":"yes"}}}',
    );
    await ok(
      "patch",
      "deployment",
      "web",
      "--type=json",
      "-p",
      '[{"op":"add","path":"/metadata/labels/json","value":"yes"}]',
    );
    expect(await ok("get", "deploy", "-l", "merged=yes,json=yes", "-o", "name")).toBe(
      "deployment.apps/web\n",
    );
    await ok("patch", "rollout", "demo", "--type=merge", "-p", '{"spec":{"paused":true}}');
    expect(await ok("get", "rollout", "demo", "-o", "jsonpath={.spec.paused}")).toBe("true");
  });

  it("scales a Deployment and a custom resource", async () => {
    expect(await ok("scale", "deployment", "web", "--replicas=3")).toContain("scaled");
    await waitFor("3 web pods", async () =>
      (await ok("get", "pods", "-l", "app=web", "-o", "name")).trim().split("\n").length === 3
        ? true
        : undefined,
    );
    await ok("scale", "rollout", "demo", "--replicas=4");
    expect(await ok("get", "rollout", "demo", "-o", "jsonpath={.spec.replicas}")).toBe("4");
  });

  it("sees changes with get -w", async () => {
    await ok("create", "configmap", "before-watch");
    const child: ChildProcess = spawn("kubectl", ["get", "configmaps", "-w", "--no-headers"], {
      env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath, HOME: cluster.dataDir },
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      await waitFor(
        "the watch to list the existing config map",
        () => (output.includes("before-watch") ? true : undefined),
        { describe: () => output },
      );
      await ok("create", "configmap", "watched", "--from-literal=a=b");
      await waitFor(
        "the watch to see the new config map",
        () => (output.includes("watched") ? true : undefined),
        { describe: () => output },
      );
    } finally {
      child.kill();
    }
  });

  it("creates a namespace and deletes a Deployment with everything it owns", async () => {
    expect(await ok("create", "namespace", "team-a")).toContain("namespace/team-a created");
    expect(await ok("get", "namespace", "team-a", "-o", "jsonpath={.status.phase}")).toBe("Active");
    expect(await ok("delete", "deployment", "web")).toContain('deployment.apps "web" deleted');
    await waitFor("web's ReplicaSets and pods to be collected", async () => {
      const left = await ok("get", "rs,pods", "-l", "app=web", "-o", "name");
      return left === "" ? true : undefined;
    });
  });
});
