// npm start: the demo on the embedded devcluster. Starts devcluster (state in .sluice/), the
// controller (which supervises the bundled plugins) as separate processes, applies the CRDs
// and examples/demo/, and prints what to type next. Ctrl-C stops everything; running it again
// carries on from the kept state. Process logs go to .sluice/logs/.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const stateDir = resolve(root, process.env.SLUICE_STATE_DIR ?? ".sluice");
const logDir = join(stateDir, "logs");
const clusterDir = join(stateDir, "cluster");
const kubeconfig = join(clusterDir, "kubeconfig");
const port = process.env.SLUICE_PORT ?? "0";
mkdirSync(logDir, { recursive: true });

/** Children we started, stopped in reverse order on exit. */
const children = [];
let stopping = false;

function say(line) {
  process.stdout.write(`${line}\n`);
}

function fail(message) {
  process.stderr.write(`sluice: ${message}\n`);
  void shutdown(1);
}

function startProcess(name, args) {
  const logPath = join(logDir, `${name}.log`);
  const log = createWriteStream(logPath, { flags: "a" });
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let output = "";
  child.stdout.on("data", (chunk) => {
    if (output.length < 10_000) output += chunk.toString();
  });
  child.on("exit", (code, signal) => {
    if (!stopping)
      fail(
        `${name} exited unexpectedly (${signal ?? `code ${code}`}); see ${relative(process.cwd(), logPath)}`,
      );
  });
  const entry = { name, child, output: () => output, logPath };
  children.push(entry);
  return entry;
}

async function waitFor(what, probe, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stopping) throw new Error("stopping");
    const value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  say("\nStopping the demo...");
  // Ctrl-C in a terminal reaches every process of the group, so some may be stopping already.
  for (const { name, child } of [...children].reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    say(`  ${name} stopped`);
  }
  say(
    `State kept in ${relative(process.cwd(), stateDir) || "."}/: run npm start again to carry on.`,
  );
  process.exit(code);
}

process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

/** REST resource of a manifest's kind (the few kinds the demo applies). */
const RESOURCE_OF_KIND = {
  CustomResourceDefinition: {
    group: "apiextensions.k8s.io",
    version: "v1",
    plural: "customresourcedefinitions",
    namespaced: false,
  },
  Service: { group: "", version: "v1", plural: "services", namespaced: true },
  ConfigMap: { group: "", version: "v1", plural: "configmaps", namespaced: true },
  Ingress: { group: "networking.k8s.io", version: "v1", plural: "ingresses", namespaced: true },
  Rollout: { group: "argoproj.io", version: "v1alpha1", plural: "rollouts", namespaced: true },
  AnalysisTemplate: {
    group: "argoproj.io",
    version: "v1alpha1",
    plural: "analysistemplates",
    namespaced: true,
  },
};

/**
 * Create each object that does not exist yet; existing objects are left as the user has them.
 * Manifests go to the API server as plain JSON, exactly as written (typed clients would drop
 * the CRDs' x-kubernetes-* schema keys).
 */
async function applyIfMissing(client, isNotFound, files) {
  const { parseAllDocuments } = await import("yaml");
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
      const obj = doc.toJSON();
      if (obj === null || typeof obj !== "object") continue;
      const resource = RESOURCE_OF_KIND[obj.kind];
      if (resource === undefined)
        throw new Error(`${file}: the demo does not know how to apply kind ${obj.kind}`);
      const type = { ...resource, kind: obj.kind };
      obj.metadata ??= {};
      if (type.namespaced) obj.metadata.namespace ??= "default";
      try {
        await client.get(type, obj.metadata.namespace, obj.metadata.name);
      } catch (error) {
        if (!isNotFound(error)) throw error;
        await client.create(type, obj);
        say(`  created ${obj.kind.toLowerCase()}/${obj.metadata.name}`);
      }
    }
  }
}

async function main() {
  say("Starting devcluster...");
  const cluster = startProcess("devcluster", [
    join(root, "devcluster", "dist", "cli.js"),
    "start",
    "--data-dir",
    clusterDir,
    "--port",
    port,
  ]);
  await waitFor(
    "devcluster",
    () => cluster.output().includes("kubeconfig:") && existsSync(kubeconfig),
  );

  const { runtime } = await import("@sluice/controller");
  const client = new runtime.KubeClient(runtime.loadKubeConfig({ kubeconfig }));
  const crdDir = join(root, "deploy", "crds");
  await applyIfMissing(
    client,
    runtime.isNotFound,
    readdirSync(crdDir).map((f) => join(crdDir, f)),
  );

  say("Starting sluice-controller...");
  startProcess("controller", [
    join(root, "controller", "dist", "main.js"),
    "--kubeconfig",
    kubeconfig,
    "--metrics-port",
    "0",
  ]);

  const demoDir = join(root, "examples", "demo");
  await applyIfMissing(
    client,
    runtime.isNotFound,
    readdirSync(demoDir)
      .filter((f) => f.endsWith(".yaml"))
      // What the Rollout refers to (Services, Ingress, template) exists before it does.
      .sort(
        (a, b) => Number(a === "rollout.yaml") - Number(b === "rollout.yaml") || a.localeCompare(b),
      )
      .map((f) => join(demoDir, f)),
  );

  const rel = relative(process.cwd(), kubeconfig) || kubeconfig;
  const bin = relative(process.cwd(), join(root, "node_modules", ".bin")) || ".";
  say(`
Sluice is running. The demo Rollout "demo" is a canary of 5 pods behind NGINX.

In another terminal:
  export KUBECONFIG=${rel} PATH=$PWD/${bin}:$PATH
  kubectl argo rollouts get rollout demo --watch                          # watch it
  kubectl argo rollouts set image demo demo=argoproj/rollouts-demo:yellow  # start an update
  kubectl argo rollouts promote demo                                      # past the pause
  kubectl argo rollouts abort demo                                        # or back to stable

Logs: ${relative(process.cwd(), logDir) || logDir}/   Press Ctrl-C to stop.`);
}

main().catch((error) => {
  if (!stopping) fail(error instanceof Error ? error.message : String(error));
});
