import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  call,
  field,
  kubectlOk,
  kubectl as runKubectl,
  startTestCluster,
  waitFor,
} from "./helpers.js";

// `kubectl create deployment|job|service ...`: kubectl's typed clients send these as
// Kubernetes protobuf, which devcluster decodes (src/http/protobuf-schemas.ts). And
// `kubectl explain`, which reads the schemas of the OpenAPI documents.
type Cluster = Awaited<ReturnType<typeof startTestCluster>>;
let cluster: Cluster;
const kubectl = (args: string[], stdin?: string) => runKubectl(cluster, args, stdin);
const ok = (...args: string[]) => kubectlOk(cluster, ...args);

async function getJson(...args: string[]): Promise<unknown> {
  return JSON.parse(await ok("get", ...args, "-o", "json")) as unknown;
}

beforeAll(async () => {
  cluster = await startTestCluster({ podReadyDelayMs: 100 });
});
afterAll(async () => cluster.cleanup());

describe("kubectl create with protobuf bodies", { timeout: 120_000 }, () => {
  it("creates a Deployment whose pods become ready", async () => {
    expect(
      await ok("create", "deployment", "web", "--image=nginx:1.25", "--replicas=2", "--port=80"),
    ).toContain("deployment.apps/web created");
    const deployment = await getJson("deployment", "web");
    expect(field(deployment, "spec", "replicas")).toBe(2);
    expect(field(deployment, "spec", "selector")).toEqual({ matchLabels: { app: "web" } });
    expect(field(deployment, "spec", "template", "metadata", "labels")).toEqual({ app: "web" });
    const container = field(deployment, "spec", "template", "spec", "containers", 0);
    expect(field(container, "name")).toBe("nginx");
    expect(field(container, "image")).toBe("nginx:1.25");
    expect(field(container, "ports")).toEqual([{ containerPort: 80, protocol: "TCP" }]);
    await waitFor(
      "deployment web to have 2 ready replicas",
      async () => {
        const ready = await ok(
          "get",
          "deployment",
          "web",
          "-o",
          "jsonpath={.status.readyReplicas}",
        );
        return ready === "2" ? true : undefined;
      },
      { describe: () => ok("get", "deployment,rs,pods", "-l", "app=web") },
    );
  });

  it("creates a Job that completes, and keeps the command given after --", async () => {
    expect(await ok("create", "job", "hello", "--image=busybox")).toContain(
      "job.batch/hello created",
    );
    await waitFor(
      "job hello to complete",
      async () => {
        const condition = await ok(
          "get",
          "job",
          "hello",
          "-o",
          'jsonpath={.status.conditions[?(@.type=="Complete")].status}',
        );
        return condition === "True" ? true : undefined;
      },
      { describe: () => getJson("job", "hello") },
    );
    // The server's answer to a dry run shows what it decoded, without running anything.
    const dryRun = JSON.parse(
      await ok(
        "create",
        "job",
        "with-command",
        "--image=busybox",
        "--dry-run=server",
        "-o",
        "json",
        "--",
        "sh",
        "-c",
        "echo hi",
      ),
    ) as unknown;
    const container = field(dryRun, "spec", "template", "spec", "containers", 0);
    expect(field(container, "command")).toEqual(["sh", "-c", "echo hi"]);
    expect(field(dryRun, "spec", "template", "spec", "restartPolicy")).toBe("Never");
  });

  it("decodes each generator's object as kubectl's own JSON of it would be stored", async () => {
    const commands = [
      ["deployment", "gen-web", "--image=nginx:1.25", "--replicas=3", "--port=8080"],
      ["job", "gen-job", "--image=busybox", "--", "sh", "-c", "exit 0"],
      ["service", "nodeport", "gen-np", "--tcp=80:http", "--tcp=443:8443"],
      ["service", "externalname", "gen-ext", "--external-name=example.org"],
      ["ingress", "gen-ing", "--class=nginx", "--rule=foo.com/bar*=svc1:8080,tls=cert"],
      ["ingress", "gen-ing2", "--rule=/plain=svc2:http", "--default-backend=fallback:80"],
      ["poddisruptionbudget", "gen-pdb", "--selector=app=web", "--min-available=50%"],
      ["poddisruptionbudget", "gen-pdb2", "--selector=app=web", "--max-unavailable=1"],
      ["configmap", "gen-cm", "--from-literal=a=1", "--from-literal=b=two"],
      ["secret", "generic", "gen-secret", "--from-literal=password=s3cr3t"],
    ];
    // Each dry run gets its own uid (which a Job copies into its selector and labels) and a
    // Service its own cluster IP: those may differ, nothing else.
    const withoutUid = (text: string): Record<string, unknown> => {
      const uid = String(field(JSON.parse(text), "metadata", "uid"));
      const obj = JSON.parse(text.replaceAll(uid, "UID")) as Record<string, unknown>;
      const spec = obj.spec as Record<string, unknown> | undefined;
      if (spec) {
        delete spec.clusterIP;
        delete spec.clusterIPs;
      }
      return obj;
    };
    // Flags go before a `--` (what follows it is the container's command).
    const withFlags = (command: string[], ...flags: string[]): string[] => {
      const dashes = command.indexOf("--");
      return dashes < 0
        ? [...command, ...flags]
        : [...command.slice(0, dashes), ...flags, ...command.slice(dashes)];
    };
    for (const command of commands) {
      // Protobuf: what kubectl sends when it creates the object itself.
      const decoded = withoutUid(
        await ok("create", ...withFlags(command, "--dry-run=server", "-o", "json")),
      );
      // JSON: kubectl's rendering of the same object, sent as a manifest.
      const manifest = await ok("create", ...withFlags(command, "--dry-run=client", "-o", "json"));
      const viaJson = await kubectl(
        ["create", "-f", "-", "--dry-run=server", "-o", "json"],
        manifest,
      );
      expect(viaJson.code, viaJson.stderr).toBe(0);
      const expected = withoutUid(viaJson.stdout);
      for (const key of ["spec", "data", "type"])
        expect(decoded[key], `${command.join(" ")}: ${key}`).toEqual(expected[key]);
      expect(field(decoded, "metadata", "labels")).toEqual(field(expected, "metadata", "labels"));
    }
  });

  it("creates Services with numeric and named target ports", async () => {
    expect(await ok("create", "service", "clusterip", "web", "--tcp=80:8080")).toContain(
      "service/web created",
    );
    const service = await getJson("service", "web");
    expect(field(service, "spec", "type")).toBe("ClusterIP");
    expect(field(service, "spec", "selector")).toEqual({ app: "web" });
    expect(field(service, "spec", "ports")).toEqual([
      { name: "80-8080", port: 80, protocol: "TCP", targetPort: 8080 },
    ]);
    // The Endpoints controller fills in the ready pods of the Deployment created above.
    await waitFor(
      "endpoints web to list both pods",
      async () => {
        const ips = await ok(
          "get",
          "endpoints",
          "web",
          "-o",
          "jsonpath={.subsets[*].addresses[*].ip}",
        );
        return ips.trim().split(/\s+/).length === 2 ? true : undefined;
      },
      { describe: () => getJson("endpoints", "web") },
    );
    expect(await ok("create", "service", "nodeport", "named", "--tcp=80:http")).toContain(
      "service/named created",
    );
    const named = await getJson("service", "named");
    expect(field(named, "spec", "type")).toBe("NodePort");
    expect(field(named, "spec", "ports", 0, "targetPort")).toBe("http");
  });
});

describe("OpenAPI schemas", { timeout: 120_000 }, () => {
  const ROLLOUT_CRD = new URL("../../deploy/crds/rollouts.yaml", import.meta.url).pathname;

  it("lets kubectl explain a custom resource's fields once its CRD is applied", async () => {
    const before = await kubectl(["explain", "rollouts.spec"]);
    expect(before.code).not.toBe(0);
    await ok("apply", "-f", ROLLOUT_CRD);
    const spec = await waitFor("kubectl explain rollouts.spec to work", async () => {
      const result = await kubectl(["explain", "rollouts.spec"]);
      return result.code === 0 ? result.stdout : undefined;
    });
    expect(spec).toContain("KIND:       Rollout");
    expect(spec).toMatch(/replicas\s+<integer>/);
    expect(spec).toMatch(/strategy\s+<Object>/);
    const steps = await ok("explain", "rollouts.spec.strategy.canary.steps");
    expect(steps).toMatch(/setWeight\s+<integer>/);
  });

  it("serves /openapi/v2 as JSON, and 406 to a client that accepts only protobuf", async () => {
    const json = await call(cluster, "GET", "/openapi/v2", undefined, {
      accept: "application/json",
    });
    expect(json.status).toBe(200);
    expect(json.body.swagger).toBe("2.0");
    const definitions = json.body.definitions as Record<string, unknown>;
    expect(
      field(definitions, "io.argoproj.v1alpha1.Rollout", "x-kubernetes-group-version-kind"),
    ).toEqual([{ group: "argoproj.io", kind: "Rollout", version: "v1alpha1" }]);
    expect(
      field(
        definitions,
        "io.argoproj.v1alpha1.Rollout",
        "properties",
        "spec",
        "properties",
        "replicas",
        "type",
      ),
    ).toBe("integer");
    expect(
      field(definitions, "io.k8s.api.apps.v1.Deployment", "x-kubernetes-group-version-kind"),
    ).toEqual([{ group: "apps", kind: "Deployment", version: "v1" }]);
    const protobuf = await call(cluster, "GET", "/openapi/v2", undefined, {
      accept: "application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
    });
    expect(protobuf.status).toBe(406);
    expect(protobuf.body.reason).toBe("NotAcceptable");
  });

  it("drops from v2 what Swagger 2.0 cannot express, and keeps it in v3", async () => {
    const crd = await call(
      cluster,
      "POST",
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
      {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: "gadgets.test.sluice.dev" },
        spec: {
          group: "test.sluice.dev",
          scope: "Namespaced",
          names: { plural: "gadgets", singular: "gadget", kind: "Gadget" },
          versions: [
            {
              name: "v1",
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: "object",
                  properties: {
                    spec: {
                      type: "object",
                      properties: { note: { type: "string", nullable: true } },
                    },
                  },
                },
              },
            },
          ],
        },
      },
    );
    expect(crd.status).toBe(201);
    const v2 = await call(cluster, "GET", "/openapi/v2");
    const note = field(
      v2.body,
      "definitions",
      "dev.sluice.test.v1.Gadget",
      "properties",
      "spec",
      "properties",
      "note",
    );
    expect(note).toEqual({ type: "string" });
    const v3 = await call(cluster, "GET", "/openapi/v3/apis/test.sluice.dev/v1");
    expect(
      field(
        v3.body,
        "components",
        "schemas",
        "dev.sluice.test.v1.Gadget",
        "properties",
        "spec",
        "properties",
        "note",
      ),
    ).toEqual({ type: "string", nullable: true });
  });
});
