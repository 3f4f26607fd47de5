// The executor against a loopback HTTP server standing in for the API server: checks the
// requests @kubernetes/client-node sends (paths, verbs, content types, bodies).
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runRolloutAction } from "./executor.js";
import { kubeRolloutActionsClient } from "./kube-client.js";
import { ActionError } from "./types.js";

interface Seen {
  method: string;
  path: string;
  contentType: string | undefined;
  body: unknown;
}

const rollout = {
  apiVersion: "argoproj.io/v1alpha1",
  kind: "Rollout",
  metadata: { name: "web", namespace: "default", uid: "u1" },
  spec: {
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "web", image: "web:2" }] },
    },
    paused: true,
    strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } },
  },
  status: {
    currentStepIndex: 1,
    pauseConditions: [{ reason: "CanaryPauseStep", startTime: "2026-01-01T00:00:00Z" }],
  },
};

let server: Server;
let seen: Seen[] = [];
let served: unknown = rollout;
let client: ReturnType<typeof kubeRolloutActionsClient>;

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? undefined : JSON.parse(text);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void readBody(req).then((body) => {
      seen.push({
        method: req.method ?? "",
        path: req.url ?? "",
        contentType: req.headers["content-type"],
        body,
      });
      res.setHeader("content-type", "application/json");
      if (req.url?.startsWith("/apis/apps/v1/namespaces/default/replicasets")) {
        res.end(
          JSON.stringify({
            apiVersion: "apps/v1",
            kind: "ReplicaSetList",
            metadata: {},
            items: [],
          }),
        );
        return;
      }
      res.end(JSON.stringify(served));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "local", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: "u" }],
    contexts: [{ name: "c", cluster: "local", user: "u" }],
    currentContext: "c",
  });
  client = kubeRolloutActionsClient(kc);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
  served = rollout;
});

const base = "/apis/argoproj.io/v1alpha1/namespaces/default/rollouts/web";

describe("runRolloutAction with the Kubernetes client", () => {
  it("promote reads the rollout, patches status, then unpauses spec", async () => {
    const outcome = await runRolloutAction(client, "default", "web", { kind: "promote" });
    expect(seen.map((s) => [s.method, s.path.split("?")[0], s.contentType, s.body])).toEqual([
      ["GET", base, undefined, undefined],
      [
        "PATCH",
        `${base}/status`,
        "application/merge-patch+json",
        { status: { pauseConditions: null } },
      ],
      ["PATCH", base, "application/merge-patch+json", { spec: { paused: false } }],
    ]);
    expect(outcome.sent).toHaveLength(2);
  });

  it("abort sends one status patch without reading first", async () => {
    await runRolloutAction(client, "default", "web", { kind: "abort" });
    expect(seen.map((s) => [s.method, s.path.split("?")[0], s.body])).toEqual([
      ["PATCH", `${base}/status`, { status: { abort: true } }],
    ]);
    expect(seen[0]?.path).toContain("fieldManager=sluice-actions");
  });

  it("set image sends a JSON patch", async () => {
    await runRolloutAction(client, "default", "web", {
      kind: "setImage",
      container: "web",
      image: "web:3",
    });
    const patch = seen.find((s) => s.method === "PATCH");
    expect(patch?.contentType).toBe("application/json-patch+json");
    expect(patch?.body).toEqual([
      { op: "test", path: "/spec/template/spec/containers/0/name", value: "web" },
      { op: "replace", path: "/spec/template/spec/containers/0/image", value: "web:3" },
    ]);
  });

  it("undo lists ReplicaSets and explains an empty history without patching", async () => {
    await expect(runRolloutAction(client, "default", "web", { kind: "undo" })).rejects.toThrow(
      'no revision found for rollout "web"',
    );
    expect(seen.map((s) => s.method)).toEqual(["GET", "GET"]);
  });

  it("refuses to act on a Rollout that does not parse, saying what is wrong", async () => {
    served = { ...rollout, spec: { ...rollout.spec, replicas: "three" } };
    const run = runRolloutAction(client, "default", "web", { kind: "promote" });
    await expect(run).rejects.toThrow(ActionError);
    await expect(runRolloutAction(client, "default", "web", { kind: "promote" })).rejects.toThrow(
      "invalid Rollout default/web: spec.replicas",
    );
    expect(seen.every((s) => s.method === "GET")).toBe(true);
  });
});
