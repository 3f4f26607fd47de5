import { readFileSync } from "node:fs";

/** The `version` of the package.json at `url` (a plugin's own), or "0.0.0" if unreadable. */
export function packageVersion(url: URL): string {
  try {
    const parsed: unknown = JSON.parse(readFileSync(url, "utf8"));
    const version = (parsed as { version?: unknown }).version;
    return typeof version === "string" ? version : "0.0.0";
  } catch {
    return "0.0.0";
  }
}
