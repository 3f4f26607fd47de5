// The plugin registry: the bundled plugins plus the entries of the `argo-rollouts-config`
// ConfigMap (keys trafficRouterPlugins and metricProviderPlugins, DESIGN §2), kept current
// through an informer so a change takes effect without a restart. A malformed entry is
// reported (log + Warning Event on the ConfigMap naming it) and skipped; the others stand.
import type { Logger } from "pino";
import { parse as parseYaml } from "yaml";
import type { EventRecorder } from "../runtime/events.js";
import type { Informer } from "../runtime/informer.js";
import type { KubeObject } from "../runtime/kube-resources.js";
import { BUNDLED_PLUGINS, type BundledPlugin, resolveBundledExecutable } from "./bundled.js";
import {
  entryFingerprint,
  type PluginEntry,
  type PluginKindName,
  type PluginLocation,
} from "./registry-types.js";

export type { PluginEntry, PluginKindName, PluginLocation } from "./registry-types.js";

export const PLUGIN_CONFIGMAP_NAME = "argo-rollouts-config";
export const CONFIGMAP_KEYS: Readonly<Record<PluginKindName, string>> = {
  trafficrouter: "trafficRouterPlugins",
  metricprovider: "metricProviderPlugins",
};

export interface EntryProblem {
  /** ConfigMap key, e.g. trafficRouterPlugins. */
  key: string;
  /** Position in the list (0-based); undefined when the whole key is unreadable. */
  index?: number;
  /** The entry's name, when it has a readable one. */
  name?: string;
  message: string;
}

export interface ParsedPluginConfig {
  /** Entries to register (disabled ones are in `disabled`, not here). */
  entries: PluginEntry[];
  /** Names a user switched off with `disabled: true` (this also hides a bundled one). */
  disabled: Array<{ kind: PluginKindName; name: string }>;
  problems: EntryProblem[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `file://PATH`, `unix:///PATH` or `HOST:PORT`; a text error otherwise. */
export function parseLocation(text: string): PluginLocation | string {
  if (text.startsWith("file://")) {
    const path = text.slice("file://".length);
    if (!path.startsWith("/"))
      return `location "${text}" must name an absolute path, as in file:///opt/plugins/router`;
    return { type: "file", path };
  }
  if (text.startsWith("unix:")) {
    const path = text.replace(/^unix:(\/\/)?/, "");
    if (!path.startsWith("/"))
      return `location "${text}" must name an absolute socket path, as in unix:///run/sluice/router.sock`;
    return { type: "unix", address: `unix://${path}` };
  }
  if (/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(text)) {
    const port = Number(text.slice(text.lastIndexOf(":") + 1));
    if (port < 1 || port > 65535) return `location "${text}" has port ${port} outside 1..65535`;
    return { type: "tcp", address: text };
  }
  if (/^https?:\/\//.test(text)) {
    return `location "${text}" is a download URL; this controller does not download plugins: install the executable and use file://PATH, or run it as a sidecar and give unix:///PATH or HOST:PORT`;
  }
  return `location "${text}" is not file://PATH, unix:///PATH or HOST:PORT`;
}

const ENTRY_FIELDS = new Set([
  "name",
  "location",
  "args",
  "sha256",
  "disabled",
  "tls",
  "headersFrom",
]);

function parseEntry(
  kind: PluginKindName,
  key: string,
  index: number,
  raw: unknown,
): { entry?: PluginEntry; disabled?: string; problem?: EntryProblem } {
  const fail = (message: string, name?: string): { problem: EntryProblem } => ({
    problem: { key, index, ...(name === undefined ? {} : { name }), message },
  });
  if (!isRecord(raw)) return fail("must be a mapping with name and location");
  const name = typeof raw.name === "string" ? raw.name.trim() : undefined;
  if (name === undefined || name === "")
    return fail("has no name (a string such as argoproj-labs/nginx)");
  const unknown = Object.keys(raw).filter((field) => !ENTRY_FIELDS.has(field));
  if (unknown.length > 0) return fail(`has unknown field(s) ${unknown.join(", ")}`, name);
  if (raw.disabled !== undefined && typeof raw.disabled !== "boolean") {
    return fail("disabled must be true or false", name);
  }
  if (raw.disabled === true) return { disabled: name };
  if (typeof raw.location !== "string" || raw.location.trim() === "") {
    return fail("has no location (file://PATH, unix:///PATH or HOST:PORT)", name);
  }
  const location = parseLocation(raw.location.trim());
  if (typeof location === "string") return fail(location, name);
  let args: string[] = [];
  if (raw.args !== undefined) {
    if (!Array.isArray(raw.args) || !raw.args.every((a): a is string => typeof a === "string")) {
      return fail("args must be a list of strings", name);
    }
    args = raw.args;
  }
  const entry: PluginEntry = { kind, name, location, args, source: "configmap" };
  if (raw.sha256 !== undefined) {
    if (typeof raw.sha256 !== "string" || !/^[0-9a-fA-F]{64}$/.test(raw.sha256)) {
      return fail("sha256 must be 64 hexadecimal digits", name);
    }
    if (location.type !== "file") return fail("sha256 applies only to a file:// location", name);
    entry.sha256 = raw.sha256.toLowerCase();
  }
  if (raw.tls !== undefined) {
    if (!isRecord(raw.tls))
      return fail("tls must be a mapping with ca and optional serverName", name);
    if (location.type !== "tcp") return fail("tls applies only to a HOST:PORT location", name);
    const { ca, serverName } = raw.tls;
    if (typeof ca !== "string" || ca.trim() === "")
      return fail("tls.ca must be a PEM CA bundle", name);
    entry.tlsCa = ca;
    if (serverName !== undefined) {
      if (typeof serverName !== "string") return fail("tls.serverName must be a string", name);
      entry.tlsServerName = serverName;
    }
  }
  return { entry };
}

/** Parses the ConfigMap's data. Never throws: every problem is a value naming its entry. */
export function parsePluginConfig(data: Record<string, unknown> | undefined): ParsedPluginConfig {
  const result: ParsedPluginConfig = { entries: [], disabled: [], problems: [] };
  for (const kind of ["trafficrouter", "metricprovider"] as const) {
    const key = CONFIGMAP_KEYS[kind];
    const text = data?.[key];
    if (text === undefined) continue;
    if (typeof text !== "string") {
      result.problems.push({ key, message: "must be a YAML list of plugin entries" });
      continue;
    }
    let list: unknown;
    try {
      list = parseYaml(text);
    } catch (error) {
      result.problems.push({
        key,
        message: `is not valid YAML: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
      });
      continue;
    }
    if (list === null || list === undefined) continue;
    if (!Array.isArray(list)) {
      result.problems.push({ key, message: "must be a YAML list of plugin entries" });
      continue;
    }
    const seen = new Set<string>();
    list.forEach((raw, index) => {
      const parsed = parseEntry(kind, key, index, raw);
      if (parsed.problem !== undefined) result.problems.push(parsed.problem);
      const name = parsed.entry?.name ?? parsed.disabled;
      if (name === undefined) return;
      if (seen.has(name)) {
        result.problems.push({
          key,
          index,
          name,
          message: "repeats a name listed earlier; the first one is used",
        });
        return;
      }
      seen.add(name);
      if (parsed.entry !== undefined) result.entries.push(parsed.entry);
      else result.disabled.push({ kind, name });
    });
  }
  return result;
}

export function describeProblem(problem: EntryProblem): string {
  const where =
    problem.index === undefined
      ? `${PLUGIN_CONFIGMAP_NAME} key ${problem.key}`
      : `${PLUGIN_CONFIGMAP_NAME} ${problem.key}[${problem.index}]${problem.name === undefined ? "" : ` (${problem.name})`}`;
  return `${where} ${problem.message}; that plugin entry is ignored until it is fixed`;
}

/** Bundled defaults as registry entries; unbuilt packages become `unavailable` entries. */
export function bundledEntries(
  bundled: readonly BundledPlugin[] = BUNDLED_PLUGINS,
  resolveExecutable: typeof resolveBundledExecutable = resolveBundledExecutable,
): PluginEntry[] {
  return bundled.map((plugin) => {
    const found = resolveExecutable(plugin.packageName);
    return found.ok
      ? {
          kind: plugin.kind,
          name: plugin.name,
          location: { type: "file", path: found.path },
          args: [],
          source: "bundled",
        }
      : {
          kind: plugin.kind,
          name: plugin.name,
          location: { type: "file", path: "" },
          args: [],
          source: "bundled",
          unavailable: found.error,
        };
  });
}

export interface PluginRegistryOptions {
  log: Logger;
  recorder?: Pick<EventRecorder, "warning">;
  /** Default: the bundled plugins found in the workspace / node_modules. */
  defaults?: PluginEntry[];
}

/** Names whose registration changed, per kind. */
export type RegistryChange = Array<{ kind: PluginKindName; name: string }>;

export class PluginRegistry {
  private readonly defaults: PluginEntry[];
  private current = new Map<string, PluginEntry>();
  private readonly listeners = new Set<(change: RegistryChange) => void>();
  private lastVersion: string | undefined;
  private lastProblems: EntryProblem[] = [];

  constructor(private readonly options: PluginRegistryOptions) {
    this.defaults = options.defaults ?? bundledEntries();
    this.replace([], []);
  }

  /** The registration of `name`, or undefined when none (or disabled). */
  get(kind: PluginKindName, name: string): PluginEntry | undefined {
    return this.current.get(`${kind}\u0000${name}`);
  }

  entries(kind?: PluginKindName): PluginEntry[] {
    return [...this.current.values()].filter((e) => kind === undefined || e.kind === kind);
  }

  /** Problems of the last ConfigMap seen (empty when it was clean or absent). */
  problems(): readonly EntryProblem[] {
    return this.lastProblems;
  }

  /** Called with the names whose registration changed; returns an unsubscribe function. */
  onChange(listener: (change: RegistryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Apply the ConfigMap as it now is (undefined: deleted, only the defaults remain). */
  applyConfigMap(configMap: KubeObject | undefined): void {
    const version =
      configMap === undefined
        ? ""
        : `${configMap.metadata.uid ?? ""}/${configMap.metadata.resourceVersion ?? ""}`;
    if (version === this.lastVersion) return; // a resync: nothing new
    this.lastVersion = version;
    const data = configMap?.data;
    const parsed = parsePluginConfig(isRecord(data) ? data : undefined);
    this.lastProblems = parsed.problems;
    for (const problem of parsed.problems) {
      const message = describeProblem(problem);
      this.options.log.warn(
        { configMap: PLUGIN_CONFIGMAP_NAME, entry: problem.name, key: problem.key },
        message,
      );
      if (configMap !== undefined)
        this.options.recorder?.warning(configMap, "InvalidPluginEntry", message);
    }
    this.replace(parsed.entries, parsed.disabled);
  }

  /** Keep the registry in step with the ConfigMap named `name` that `informer` watches. */
  watch(informer: Informer, name: string = PLUGIN_CONFIGMAP_NAME): () => void {
    const matches = (obj: KubeObject): boolean => obj.metadata.name === name;
    return informer.addEventHandler({
      onAdd: (obj) => {
        if (matches(obj)) this.applyConfigMap(obj);
      },
      onUpdate: (_old, obj) => {
        if (matches(obj)) this.applyConfigMap(obj);
      },
      onDelete: (obj) => {
        if (matches(obj)) this.applyConfigMap(undefined);
      },
    });
  }

  private replace(user: PluginEntry[], disabled: ParsedPluginConfig["disabled"]): void {
    const next = new Map<string, PluginEntry>();
    for (const entry of this.defaults) next.set(`${entry.kind}\u0000${entry.name}`, entry);
    for (const entry of user) next.set(`${entry.kind}\u0000${entry.name}`, entry); // a user entry overrides
    for (const off of disabled) next.delete(`${off.kind}\u0000${off.name}`);
    const change: RegistryChange = [];
    for (const key of new Set([...this.current.keys(), ...next.keys()])) {
      const before = this.current.get(key);
      const after = next.get(key);
      if (
        before !== undefined &&
        after !== undefined &&
        entryFingerprint(before) === entryFingerprint(after)
      )
        continue;
      const entry = after ?? before;
      if (entry !== undefined) change.push({ kind: entry.kind, name: entry.name });
    }
    this.current = next;
    if (change.length === 0) return;
    this.options.log.info({ plugins: change.map((c) => c.name) }, "plugin registry changed");
    for (const listener of this.listeners) listener(change);
  }
}
