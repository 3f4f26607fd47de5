// Shapes shared by the registry, the supervisor and the host.

export type PluginKindName = "trafficrouter" | "metricprovider";

/** Where a plugin runs (DESIGN §2). */
export type PluginLocation =
  /** A child process the controller spawns and supervises. */
  | { type: "file"; path: string }
  /** A socket served by a sidecar. */
  | { type: "unix"; address: string }
  /** A sidecar or remote service on TCP, optionally with TLS. */
  | { type: "tcp"; address: string };

export interface PluginEntry {
  kind: PluginKindName;
  name: string;
  location: PluginLocation;
  args: string[];
  /** Lower-case hex digest the file:// executable must have. */
  sha256?: string;
  /** PEM CA bundle for a TCP location with TLS. */
  tlsCa?: string;
  /** TLS server name override for a TCP location. */
  tlsServerName?: string;
  /** Where the entry came from: a bundled default or the ConfigMap. */
  source: "bundled" | "configmap";
  /** Set when the entry is known but unusable (bundled package not installed...). */
  unavailable?: string;
}

/** A stable text identity of an entry: a change means "restart / reconnect". */
export function entryFingerprint(entry: PluginEntry): string {
  return JSON.stringify([
    entry.location,
    entry.args,
    entry.sha256 ?? "",
    entry.tlsCa ?? "",
    entry.tlsServerName ?? "",
    entry.unavailable ?? "",
  ]);
}
