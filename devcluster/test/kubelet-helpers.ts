import { call, field, kubectl as runKubectl, type startTestCluster, waitFor } from "./helpers.js";

export type Cluster = Awaited<ReturnType<typeof startTestCluster>>;
export const PODS = "/api/v1/namespaces/default/pods";
export const JOBS = "/apis/batch/v1/namespaces/default/jobs";
export const PDBS = "/apis/policy/v1/namespaces/default/poddisruptionbudgets";
export const DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments";
export const CONFIGMAPS = "/api/v1/namespaces/kube-system/configmaps";

export type Pod = Record<string, unknown>;

/** A pod with one container; `container` fields are merged in. */
export function podManifest(
  name: string,
  container: Record<string, unknown> = {},
  spec: Record<string, unknown> = {},
  annotations: Record<string, string> = {},
  labels: Record<string, string> = {},
): Record<string, unknown> {
  return {
    metadata: { name, annotations, labels },
    spec: { containers: [{ name: "main", image: "nginx:1.27", ...container }], ...spec },
  };
}

export async function getPod(cluster: Cluster, name: string): Promise<Pod | undefined> {
  const res = await call(cluster, "GET", `${PODS}/${name}`);
  return res.status === 200 ? res.body : undefined;
}

export function conditionOf(pod: unknown, type: string): Record<string, unknown> | undefined {
  const conditions = field(pod, "status", "conditions");
  if (!Array.isArray(conditions)) return undefined;
  return conditions.find((c) => (c as Record<string, unknown>).type === type) as
    | Record<string, unknown>
    | undefined;
}

export function isReady(pod: unknown): boolean {
  return conditionOf(pod, "Ready")?.status === "True";
}

export function waitingReason(pod: unknown, index = 0): unknown {
  return field(pod, "status", "containerStatuses", index, "state", "waiting", "reason");
}

/** Waits until the pod satisfies `check`, printing the pod's status when it never does. */
export async function waitForPod(
  cluster: Cluster,
  name: string,
  what: string,
  check: (pod: Pod) => boolean,
  timeoutMs = 30_000,
): Promise<Pod> {
  let last: Pod | undefined;
  return waitFor(
    `pod ${name}: ${what}`,
    async () => {
      last = await getPod(cluster, name);
      return last && check(last) ? last : undefined;
    },
    { timeoutMs, describe: () => last?.status ?? "(no such pod)" },
  );
}

export async function createOk(cluster: Cluster, path: string, body: unknown): Promise<Pod> {
  const res = await call(cluster, "POST", path, body);
  if (res.status !== 201) throw new Error(`create at ${path} answered ${res.status}: ${res.text}`);
  return res.body;
}

/** Runs the real kubectl against the cluster. */
export function kubectl(cluster: Cluster, ...args: string[]) {
  return runKubectl(cluster, args);
}

export function time(value: unknown): number {
  return Date.parse(String(value));
}
