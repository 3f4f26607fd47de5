// Shared pieces of the plugin host tests: where the example and fixture plugins are, and a
// registry built from ConfigMap-style YAML without a cluster.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { PluginRegistry } from "../../src/plugins/registry.js";
import type { KubeObject } from "../../src/runtime/kube-resources.js";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..", "..", "..");

export const MEMORY_ROUTER = join(repoRoot, "sdk", "examples", "dist", "memory-router.js");
export const CONSTANT_METRIC = join(repoRoot, "sdk", "examples", "dist", "constant-metric.js");
export const RECORDING_ROUTER = join(here, "fixtures", "recording-router.mjs");
export const IGNORE_SIGTERM = join(here, "fixtures", "ignore-sigterm.mjs");

export const silentLog = pino({ level: process.env.SLUICE_TEST_LOG ?? "silent" });

let version = 0;

/** An argo-rollouts-config ConfigMap object with the given data. */
export function pluginConfigMap(data: Record<string, string>): KubeObject {
  version++;
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: "argo-rollouts-config",
      namespace: "argo-rollouts",
      uid: "cm",
      resourceVersion: String(version),
    },
    data,
  };
}

/** A registry without bundled defaults, holding the given entries. */
export function registryOf(data: Record<string, string>): PluginRegistry {
  const registry = new PluginRegistry({ log: silentLog, defaults: [] });
  registry.applyConfigMap(pluginConfigMap(data));
  return registry;
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
