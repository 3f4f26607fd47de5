// The nginx router plugin is a child process of the controller. Here it is SIGKILLed in the
// middle of a traffic-routed canary and kept down for a while: the Rollout must not move on
// (the canary Ingress keeps its weight, the step does not complete), the failure must name
// the plugin where a user looks (status.message and a Warning Event), the controller must
// start the plugin again by itself, and the rollout must then finish with the weights the
// spec asks for (spec/traffic-routers.md).
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RESOURCES } from "../../src/runtime/kube-resources.js";
import { type Harness, startHarness, viewRollout, waitFor, waitForRollout } from "./harness.js";

let h: Harness;
let controllerPid = 0;

beforeAll(async () => {
  h = await startHarness();
  controllerPid = h.startController().pid ?? 0;
});

afterAll(async () => {
  await h?.close();
});

const NAME = "pk";
const SERVICES = [`${NAME}-stable`, `${NAME}-canary`];
/** The canary Ingress the nginx router creates next to the stable one. */
const CANARY_INGRESS = `${NAME}-${NAME}-ingress-canary`;
const PLUGIN = "argoproj-labs/nginx";

const MANIFESTS = `apiVersion: v1
kind: Service
metadata: {name: ${NAME}-stable}
spec: {selector: {app: ${NAME}}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: ${NAME}-canary}
spec: {selector: {app: ${NAME}}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${NAME}-ingress
  annotations: {kubernetes.io/ingress.class: nginx}
spec:
  rules:
    - host: pk.example.local
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: ${NAME}-stable, port: {number: 80}}}
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: ${NAME}}
spec:
  replicas: 4
  selector: {matchLabels: {app: ${NAME}}}
  template:
    metadata: {labels: {app: ${NAME}}}
    spec:
      containers: [{name: app, image: "registry.local/pk:v1", ports: [{containerPort: 8080}]}]
  strategy:
    canary:
      stableService: ${NAME}-stable
      canaryService: ${NAME}-canary
      scaleDownDelaySeconds: 1
      trafficRouting:
        nginx: {stableIngress: ${NAME}-ingress}
      steps:
        - setWeight: 25
        - pause: {}
        - setWeight: 75
        - pause: {}
`;

function rec(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

/** The canary Ingress weight annotation, or undefined while there is no canary Ingress. */
async function ingressWeight(): Promise<number | undefined> {
  try {
    const ingress = await h.client.get(RESOURCES.ingresses, "default", CANARY_INGRESS);
    const value = ingress.metadata.annotations?.["nginx.ingress.kubernetes.io/canary-weight"];
    return value === undefined ? undefined : Number(value);
  } catch {
    return undefined;
  }
}

/** Pids of the controller's children whose command line runs the nginx plugin (procfs). */
function nginxPluginPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the parenthesised command name: state, ppid, ...
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== controllerPid) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
      if (/plugin-nginx|plugins\/nginx/.test(cmdline)) pids.push(Number(entry));
    } catch {
      // the process went away while being read
    }
  }
  return pids;
}

async function picture(): Promise<string> {
  const r = await h.rollout(NAME).catch(() => undefined);
  const status = rec(r?.status);
  return JSON.stringify({
    phase: status.phase,
    step: status.currentStepIndex,
    message: status.message,
    weight: await ingressWeight(),
    pluginPids: nginxPluginPids(),
  });
}

describe("nginx router plugin killed mid-rollout", () => {
  it("holds the rollout while the plugin is down, names it, restarts it, and completes with the right weights", async () => {
    await h.apply(MANIFESTS);
    const v1 = await waitForRollout(
      h,
      NAME,
      "Healthy on v1",
      (v) => v.phase === "Healthy",
      SERVICES,
      // The first router call waits for the plugin's cold start (a Node.js process loading
      // its Kubernetes client), which takes tens of seconds when the machine is overloaded.
      90_000,
    );
    await h.action(NAME, { kind: "setImage", container: "app", image: "registry.local/pk:v2" });
    const paused = await waitForRollout(
      h,
      NAME,
      "paused at step 1 (25%)",
      (v) => v.phase === "Paused" && v.stepIndex === 1,
      SERVICES,
      60_000,
    );
    const canary = paused.currentPodHash ?? "";
    await waitFor(
      "25% on the canary Ingress",
      async () => ((await ingressWeight()) === 25 ? true : undefined),
      picture,
      60_000,
    );
    const [original] = await waitFor(
      "the nginx plugin process among the controller's children",
      async () => {
        const pids = nginxPluginPids();
        return pids.length === 1 ? pids : undefined;
      },
      picture,
      60_000,
    );

    // Keep the plugin down: every process the host starts for it is killed at once, until
    // the test has seen what a user sees during the outage.
    const killed = new Set<number>();
    let killing = true;
    const killLoop = (async () => {
      while (killing) {
        for (const pid of nginxPluginPids()) {
          try {
            process.kill(pid, "SIGKILL");
            killed.add(pid);
          } catch {
            // already gone
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    try {
      await waitFor(
        "the first kill",
        async () => (killed.has(original ?? 0) ? true : undefined),
        picture,
        60_000,
      );
      // Promote while the router is down: the next step is setWeight 75, which needs it.
      await h.action(NAME, { kind: "promote" });
      const during = await waitFor(
        "status.message naming the nginx plugin",
        async () => {
          const status = rec((await h.rollout(NAME)).status);
          return typeof status.message === "string" && status.message.includes(PLUGIN)
            ? status
            : undefined;
        },
        picture,
        60_000,
      );
      expect(String(during.message)).toContain("TrafficRoutingError");
      // Not advanced: at most the promote's move to the setWeight 75 step (index 2), which
      // cannot complete, and the traffic split is where it was.
      expect(Number(during.currentStepIndex)).toBeLessThanOrEqual(2);
      expect(await ingressWeight()).toBe(25);
      expect((await viewRollout(h, NAME)).stableRS).toBe(v1.stableRS);
    } finally {
      killing = false;
      await killLoop;
    }
    expect(killed.size).toBeGreaterThanOrEqual(1);

    // The Warning Event on the Rollout names the plugin too.
    const events = await h.client.list(RESOURCES.events, {
      namespace: "default",
      fieldSelector: `involvedObject.name=${NAME},reason=TrafficRoutingError`,
    });
    const messages = events.items.map((e) => String(e.message));
    expect(
      messages.some((m) => m.includes(PLUGIN)),
      JSON.stringify(messages),
    ).toBe(true);

    // The host starts the plugin again by itself, and the step completes.
    const restarted = await waitFor(
      "a new nginx plugin process",
      async () => {
        const pids = nginxPluginPids().filter((pid) => !killed.has(pid));
        return pids.length === 1 ? pids[0] : undefined;
      },
      picture,
      60_000,
    );
    expect(restarted).not.toBe(original);
    await waitFor(
      "75% on the canary Ingress, paused at step 3",
      async () => {
        const view = await viewRollout(h, NAME);
        return (await ingressWeight()) === 75 && view.phase === "Paused" && view.stepIndex === 3
          ? true
          : undefined;
      },
      picture,
      60_000,
    );
    const recovered = rec((await h.rollout(NAME)).status);
    // The message of the outage does not linger once routing works again.
    expect(String(recovered.message ?? "")).not.toContain("TrafficRoutingError");

    await h.action(NAME, { kind: "promote" });
    const done = await waitForRollout(
      h,
      NAME,
      "Healthy on v2 with the stable Service on it",
      (v) =>
        v.phase === "Healthy" && v.stableRS === canary && v.selectors[`${NAME}-stable`] === canary,
      SERVICES,
      60_000,
    );
    expect(done.selectors).toEqual({ [`${NAME}-stable`]: canary, [`${NAME}-canary`]: canary });
    await waitFor(
      "all traffic back on the (new) stable: canary Ingress weight 0",
      async () => ((await ingressWeight()) === 0 ? true : undefined),
      picture,
      60_000,
    );
    // Still exactly one plugin process: the restarted one, not a pile of them.
    expect(nginxPluginPids()).toEqual([restarted]);
  }, 180_000);
});
