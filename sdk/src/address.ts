// Plugin addresses. A plugin listens on, and the controller dials, one of:
//   unix:///absolute/path.sock   a Unix domain socket (the default for sidecars and children)
//   HOST:PORT                    TCP, for example 127.0.0.1:7001 or [::1]:7001
// The same string is the gRPC target on the client side, so it appears unchanged in logs.
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";

/** Environment variable a plugin reads its listen address from when `--listen` is absent. */
export const LISTEN_ENV = "SLUICE_PLUGIN_LISTEN";

export type PluginAddress =
  | { readonly kind: "unix"; readonly path: string }
  | { readonly kind: "tcp"; readonly host: string; readonly port: number };

export class AddressError extends Error {
  override name = "AddressError";
}

/** Parses `unix:///abs/path.sock` or `HOST:PORT`; throws AddressError saying what is wrong. */
export function parseAddress(text: string): PluginAddress {
  const trimmed = text.trim();
  if (trimmed.startsWith("unix:")) {
    // unix:///abs/path and unix:/abs/path both name an absolute path (gRPC's naming rules).
    const path = trimmed.replace(/^unix:(\/\/)?/, "");
    if (!isAbsolute(path)) {
      throw new AddressError(
        `invalid plugin address "${text}": a Unix socket path must be absolute, as in unix:///run/sluice/my-plugin.sock`,
      );
    }
    return { kind: "unix", path };
  }
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(trimmed);
  const host = match?.[1];
  const portText = match?.[2];
  if (host === undefined || portText === undefined) {
    throw new AddressError(
      `invalid plugin address "${text}": expected unix:///absolute/path.sock or HOST:PORT (for example 127.0.0.1:7001)`,
    );
  }
  const port = Number(portText);
  if (port > 65535) {
    throw new AddressError(`invalid plugin address "${text}": port ${port} is above 65535`);
  }
  return { kind: "tcp", host, port };
}

/** The canonical string form: what a client dials and what logs show. */
export function formatAddress(address: PluginAddress): string {
  return address.kind === "unix" ? `unix://${address.path}` : `${address.host}:${address.port}`;
}

/**
 * Where a plugin should listen: `--listen ADDR` or `--listen=ADDR` in argv, else the
 * SLUICE_PLUGIN_LISTEN variable, else `fallback`.
 */
export function listenAddressFrom(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  fallback: string,
): string {
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (arg === "--listen") {
      const value = argv[index + 1];
      if (value === undefined || value === "") {
        throw new AddressError("--listen needs an address: unix:///path.sock or HOST:PORT");
      }
      return value;
    }
    if (arg?.startsWith("--listen=")) return arg.slice("--listen=".length);
  }
  const fromEnv = env[LISTEN_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return fallback;
}

/** Default socket for a plugin that was given no address: one file per plugin name. */
export function defaultSocketAddress(pluginName: string): string {
  const safe = pluginName.replace(/[^A-Za-z0-9._-]+/g, "-");
  return `unix://${join(tmpdir(), `sluice-${safe}.sock`)}`;
}
