#!/usr/bin/env node
// sluice-plugin-nginx: serves the NGINX traffic router on --listen / SLUICE_PLUGIN_LISTEN.
// Kubernetes access: --kubeconfig PATH, else $KUBECONFIG, ~/.kube/config or in-cluster.
import { loadKubeConfig } from "@sluice/router-common";
import { serveTrafficRouter } from "@sluice/sdk";
import { createNginxRouter } from "./router.js";

const argv = process.argv.slice(2);
let kubeConfig: ReturnType<typeof loadKubeConfig>;
try {
  kubeConfig = loadKubeConfig(argv);
} catch (error) {
  const detail = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `sluice-plugin-nginx: cannot load a kubeconfig (${detail}); pass --kubeconfig PATH, set KUBECONFIG, or run in a pod with a service account\n`,
  );
  process.exit(1);
}
await serveTrafficRouter(createNginxRouter(kubeConfig));
