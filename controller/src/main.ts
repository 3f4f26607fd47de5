#!/usr/bin/env node
// sluice-controller: the process. Parses flags, builds the runtime (client, informers, queue,
// metrics, health), optionally campaigns for leadership, and runs the Rollout reconciler.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_ANALYSIS_THREADS, startController } from "./controller.js";

const USAGE = `Usage: sluice-controller [flags]

  --kubeconfig PATH        kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)
  --context NAME           kubeconfig context
  --namespace NS           watch only this namespace (default: all)
  --instance-id ID         handle only objects labelled argo-rollouts.argoproj.io/controller-instance-id=ID
  --leader-elect           elect a leader through a Lease (default false)
  --leader-election-namespace NS   namespace of the Lease (default: --namespace or "default")
  --leader-election-lease-duration SECONDS   (default 15)
  --rollout-threads N      Rollout workers (default 10)
  --analysis-threads N     AnalysisRun passes in flight at once (default 256)
  --metrics-port N         /metrics, /healthz, /readyz port (default 8090; 0 = any free port)
  --loglevel LEVEL         debug, info, warn, error (default info)
  --help
`;

function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(
      `sluice-controller: ${flag} must be a non-negative integer, got "${value}"\n`,
    );
    process.exit(2);
  }
  return n;
}

function main(): void {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        kubeconfig: { type: "string" },
        context: { type: "string" },
        namespace: { type: "string" },
        "instance-id": { type: "string" },
        "leader-elect": { type: "boolean" },
        "leader-election-namespace": { type: "string" },
        "leader-election-lease-duration": { type: "string" },
        "rollout-threads": { type: "string" },
        "analysis-threads": { type: "string" },
        "metrics-port": { type: "string" },
        loglevel: { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(
      `sluice-controller: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`,
    );
    process.exit(2);
  }
  if (values.help === true) {
    process.stdout.write(USAGE);
    return;
  }
  const str = (key: string): string | undefined => {
    const v = values[key];
    return typeof v === "string" ? v : undefined;
  };
  const namespace = str("namespace");
  const kubeconfig = str("kubeconfig");
  // Bundled plugins run as child processes and hold their own Kubernetes clients: they reach
  // the same cluster with the same credentials through the environment they inherit.
  if (kubeconfig !== undefined) process.env.KUBECONFIG = resolve(kubeconfig);
  startController({
    kubeconfig,
    context: str("context"),
    namespace,
    instanceId: str("instance-id"),
    leaderElect: values["leader-elect"] === true,
    leaseNamespace: str("leader-election-namespace") ?? namespace ?? "default",
    leaseDurationSeconds: positiveInt(
      "--leader-election-lease-duration",
      str("leader-election-lease-duration"),
      15,
    ),
    rolloutThreads: Math.max(1, positiveInt("--rollout-threads", str("rollout-threads"), 10)),
    analysisThreads: Math.max(
      1,
      positiveInt("--analysis-threads", str("analysis-threads"), DEFAULT_ANALYSIS_THREADS),
    ),
    metricsPort: positiveInt("--metrics-port", str("metrics-port"), 8090),
    logLevel: str("loglevel") ?? "info",
  }).then(
    (controller) => {
      const stop = (signal: string): void => {
        controller.log.info({ signal }, "stopping");
        // A stop that hangs (an API server that went away first) must not keep the process:
        // plugin children notice the exit and stop by themselves.
        setTimeout(() => {
          controller.log.warn("stopping took longer than 15 s; exiting now");
          process.exit(1);
        }, 15_000).unref();
        controller.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
    },
    (error: unknown) => {
      process.stderr.write(
        `sluice-controller: cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}

main();
