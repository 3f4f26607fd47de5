// The plugins shipped with Sluice, and the built-in Rollout / AnalysisTemplate keys that map
// to them (DESIGN §2: old manifests keep working, each key is served by a plugin process).
// One table, so adding a router or provider is one line here.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { PluginKindName } from "./registry-types.js";

export interface BundledPlugin {
  kind: PluginKindName;
  /** Registered name: what a user entry overrides and what Init must answer. */
  name: string;
  /** npm package whose `bin` is the plugin's executable. */
  packageName: string;
}

/** trafficRouting.<key> -> plugin name, in the fixed call order of spec/traffic-routers.md §1.4. */
export const BUILTIN_ROUTER_KEYS: ReadonlyArray<readonly [key: string, plugin: string]> = [
  ["istio", "argoproj-labs/istio"],
  ["nginx", "argoproj-labs/nginx"],
  ["alb", "argoproj-labs/alb"],
  ["smi", "argoproj-labs/smi"],
  ["apisix", "argoproj-labs/apisix"],
];

/** AnalysisTemplate metric.provider.<key> -> plugin name. */
export const BUILTIN_METRIC_KEYS: ReadonlyArray<readonly [key: string, plugin: string]> = [
  ["prometheus", "sluice/prometheus"],
  ["web", "sluice/web"],
  ["datadog", "sluice/datadog"],
  ["job", "sluice/job"],
];

export const BUNDLED_PLUGINS: readonly BundledPlugin[] = [
  { kind: "trafficrouter", name: "argoproj-labs/istio", packageName: "@sluice/plugin-istio" },
  { kind: "trafficrouter", name: "argoproj-labs/nginx", packageName: "@sluice/plugin-nginx" },
  { kind: "trafficrouter", name: "argoproj-labs/alb", packageName: "@sluice/plugin-alb" },
  { kind: "trafficrouter", name: "argoproj-labs/smi", packageName: "@sluice/plugin-smi" },
  { kind: "trafficrouter", name: "argoproj-labs/apisix", packageName: "@sluice/plugin-apisix" },
  { kind: "metricprovider", name: "sluice/prometheus", packageName: "@sluice/plugin-prometheus" },
  { kind: "metricprovider", name: "sluice/web", packageName: "@sluice/plugin-web" },
  { kind: "metricprovider", name: "sluice/datadog", packageName: "@sluice/plugin-datadog" },
  { kind: "metricprovider", name: "sluice/job", packageName: "@sluice/plugin-job" },
];

/**
 * The package.json of `packageName` in the nearest node_modules above the controller (as
 * Node.js would find it). Looked up by path, not require.resolve, because a package's
 * `exports` may not expose its package.json.
 */
function findManifest(packageName: string): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "node_modules", packageName, "package.json");
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The absolute path of a bundled package's executable (its first `bin`), or an error saying
 * why it cannot be found (not installed, not built).
 */
export function resolveBundledExecutable(
  packageName: string,
): { ok: true; path: string } | { ok: false; error: string } {
  const manifestPath = findManifest(packageName);
  if (manifestPath === undefined) {
    return {
      ok: false,
      error: `bundled plugin package ${packageName} is not installed next to the controller; install it or register the plugin in the argo-rollouts-config ConfigMap`,
    };
  }
  try {
    const manifest: unknown = JSON.parse(readFileSync(manifestPath, "utf8"));
    const bin =
      typeof manifest === "object" && manifest !== null && "bin" in manifest
        ? manifest.bin
        : undefined;
    const relative =
      typeof bin === "string"
        ? bin
        : typeof bin === "object" && bin !== null
          ? Object.values(bin).find((v): v is string => typeof v === "string")
          : undefined;
    if (relative === undefined) {
      return { ok: false, error: `bundled plugin package ${packageName} declares no "bin"` };
    }
    return { ok: true, path: resolve(dirname(manifestPath), relative) };
  } catch (error) {
    return {
      ok: false,
      error: `cannot read ${manifestPath}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
