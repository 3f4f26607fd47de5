#!/usr/bin/env node
import { parseArgs } from "node:util";
import { loadImageConfigFile } from "./kubelet/images.js";
import { startDevClusterServer } from "./start.js";

const USAGE = `usage: devcluster start [--data-dir DIR] [--port N] [--pod-ready-delay-ms MS] [--images FILE] [--no-controllers] [--fsync]

Serves a Kubernetes-compatible API over HTTPS on 127.0.0.1 until SIGINT/SIGTERM.
--images FILE: YAML {exists: [patterns], missing: [patterns], pullDelayMs: N} for the simulated
registry (default: every well-formed image exists). Writes DIR/kubeconfig (default DIR: .devcluster); use it with KUBECONFIG=DIR/kubeconfig kubectl ...`;

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      "data-dir": { type: "string", default: ".devcluster" },
      port: { type: "string", default: "6443" },
      "pod-ready-delay-ms": { type: "string" },
      images: { type: "string" },
      "no-controllers": { type: "boolean", default: false },
      fsync: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help || positionals[0] !== "start") {
    process.stdout.write(`${USAGE}\n`);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0..65535, got ${values.port}`);
  const delay =
    values["pod-ready-delay-ms"] === undefined ? undefined : Number(values["pod-ready-delay-ms"]);
  if (delay !== undefined && !(delay >= 0))
    throw new Error(`--pod-ready-delay-ms must be a non-negative number`);
  const off = values["no-controllers"];
  const images = values.images === undefined ? undefined : loadImageConfigFile(values.images);
  const cluster = await startDevClusterServer({
    dataDir: values["data-dir"],
    port,
    fsync: values.fsync,
    ...(delay !== undefined ? { podReadyDelayMs: delay } : {}),
    ...(images ? { images } : {}),
    ...(off
      ? {
          controllers: {
            replicaSets: false,
            deployments: false,
            jobs: false,
            endpoints: false,
            kubelet: false,
            disruption: false,
          },
        }
      : {}),
  });
  process.stdout.write(
    `devcluster serving ${cluster.url}\nkubeconfig: ${cluster.kubeconfigPath}\n`,
  );
  // Whoever started us may be gone already (its end of our stdout closed): a failed write
  // of a status line must not turn a clean stop into a crash.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`devcluster: ${signal} received, stopping\n`);
    cluster
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        process.stderr.write(`devcluster: failed to stop cleanly: ${(error as Error).message}\n`);
        process.exit(1);
      });
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error: unknown) => {
  process.stderr.write(`devcluster: ${(error as Error).message}\n`);
  process.exit(1);
});
