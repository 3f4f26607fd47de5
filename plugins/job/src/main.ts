#!/usr/bin/env node
// sluice-plugin-job: serves the Job metric provider on --listen / SLUICE_PLUGIN_LISTEN.
// Kubernetes access: --kubeconfig PATH, else ARGO_ROLLOUTS_ANALYSIS_JOB_KUBECONFIG, else
// $KUBECONFIG, ~/.kube/config or the pod's service account (see README.md).
import { serveMetricProvider } from "@sluice/sdk";
import { kubeJobClient, loadJobTarget } from "./kube.js";
import { createJobPlugin } from "./plugin.js";

let target: ReturnType<typeof loadJobTarget>;
try {
  target = loadJobTarget(process.argv.slice(2), process.env);
} catch (error) {
  const detail = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `sluice-plugin-job: cannot load a kubeconfig (${detail}); pass --kubeconfig PATH, set KUBECONFIG, or run in a pod with a service account\n`,
  );
  process.exit(1);
}
const server = await serveMetricProvider(
  createJobPlugin({
    jobs: kubeJobClient(target.kubeConfig),
    namespace: target.namespace,
    otherCluster: target.otherCluster,
  }),
);
server.logger.info(
  { address: server.address, jobNamespace: target.namespace, otherCluster: target.otherCluster },
  "job metric provider serving",
);
