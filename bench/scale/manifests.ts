import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";

// The objects the scale benchmark creates. Plain mode: one Rollout per index. Traffic mode
// "smi-nginx" (issue 5): the shape of examples/smi-nginx repeated per index — root, stable and
// canary Services, a stable Ingress, and a Rollout that routes through both the SMI and the
// NGINX router plugin.

export type TrafficMode = "none" | "smi-nginx";

export const NAMESPACE = "scale";
export const ROLLOUTS = `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/rollouts`;
export const SERVICES = `/api/v1/namespaces/${NAMESPACE}/services`;
export const INGRESSES = `/apis/networking.k8s.io/v1/namespaces/${NAMESPACE}/ingresses`;
const TRAFFIC_SPLIT_CRD = new URL(
  "../../../examples/smi-nginx/0-trafficsplit-crd.yaml",
  import.meta.url,
).pathname;

/** The CRDs a mode needs besides Sluice's own (the SMI TrafficSplit kind for smi-nginx). */
export function extraCrds(mode: TrafficMode): unknown[] {
  return mode === "smi-nginx" ? [parseYaml(readFileSync(TRAFFIC_SPLIT_CRD, "utf8"))] : [];
}

function appName(i: number): string {
  return `scale-${i}`;
}

export function rollout(i: number, image: string, mode: TrafficMode): Record<string, unknown> {
  const app = appName(i);
  const steps = [{ setWeight: 50 }, { pause: { duration: 0 } }, { setWeight: 100 }];
  const canary: Record<string, unknown> =
    mode === "smi-nginx"
      ? {
          stableService: `${app}-stable`,
          canaryService: `${app}-canary`,
          trafficRouting: {
            smi: { rootService: `${app}-root` },
            nginx: { stableIngress: `${app}-ingress` },
          },
          steps,
        }
      : { steps };
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: { name: app, namespace: NAMESPACE },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels: { app } },
        spec: { containers: [{ name: "main", image, ports: [{ containerPort: 8080 }] }] },
      },
      strategy: { canary },
    },
  };
}

/** Objects a traffic-routed Rollout `i` needs before it is created: [collection path, body]. */
export function trafficObjects(i: number, mode: TrafficMode): Array<[string, unknown]> {
  if (mode === "none") return [];
  const app = appName(i);
  const service = (name: string): [string, unknown] => [
    SERVICES,
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: NAMESPACE },
      spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080 }] },
    },
  ];
  return [
    service(`${app}-root`),
    service(`${app}-stable`),
    service(`${app}-canary`),
    [
      INGRESSES,
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: {
          name: `${app}-ingress`,
          namespace: NAMESPACE,
          annotations: { "kubernetes.io/ingress.class": "nginx" },
        },
        spec: {
          rules: [
            {
              host: `${app}.example.local`,
              http: {
                paths: [
                  {
                    path: "/",
                    pathType: "Prefix",
                    backend: { service: { name: `${app}-stable`, port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      },
    ],
  ];
}
