#!/usr/bin/env node
// sluice-plugin-smi: serves the SMI traffic router on --listen / SLUICE_PLUGIN_LISTEN.
// --traffic-split-api-version v1alpha1|v1alpha2|v1alpha3 (default v1alpha1).
// Kubernetes access: --kubeconfig PATH, else $KUBECONFIG, ~/.kube/config or in-cluster.
import { loadKubeConfig } from "@sluice/router-common";
import { serveTrafficRouter } from "@sluice/sdk";
import { apiVersionFrom, type SmiApiVersion } from "./config.js";
import { createSmiRouter } from "./router.js";

const argv = process.argv.slice(2);
let kubeConfig: ReturnType<typeof loadKubeConfig>;
let apiVersion: SmiApiVersion;
try {
  apiVersion = apiVersionFrom(argv, process.env);
  kubeConfig = loadKubeConfig(argv);
} catch (error) {
  const detail = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `sluice-plugin-smi: cannot start: ${detail}. Pass --traffic-split-api-version v1alpha1|v1alpha2|v1alpha3 and --kubeconfig PATH (or set KUBECONFIG, or run in a pod with a service account)\n`,
  );
  process.exit(1);
}
await serveTrafficRouter(createSmiRouter(kubeConfig, apiVersion));
