import { writeFileSync } from "node:fs";
import { stringify } from "yaml";

export interface ClusterAccess {
  url: string;
  caPem: string;
  token: string;
}

export const CONTEXT_NAME = "devcluster";

/** The kubeconfig document for a devcluster: its CA, URL and bearer token. */
export function kubeconfigDocument(access: ClusterAccess): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: CONTEXT_NAME,
        cluster: {
          server: access.url,
          "certificate-authority-data": Buffer.from(access.caPem).toString("base64"),
        },
      },
    ],
    users: [{ name: CONTEXT_NAME, user: { token: access.token } }],
    contexts: [
      {
        name: CONTEXT_NAME,
        context: { cluster: CONTEXT_NAME, user: CONTEXT_NAME, namespace: "default" },
      },
    ],
    "current-context": CONTEXT_NAME,
    preferences: {},
  };
}

export function writeKubeconfig(path: string, access: ClusterAccess): void {
  writeFileSync(path, stringify(kubeconfigDocument(access)), { mode: 0o600 });
}
