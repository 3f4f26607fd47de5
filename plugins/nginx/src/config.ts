// The `trafficRouting.nginx` block (spec/traffic-routers.md 2.1), validated strictly so that a
// typo in the Rollout is reported instead of ignored.
import {
  ConfigError,
  isJsonObject,
  type JsonObject,
  optionalString,
  strictObject,
} from "@sluice/sdk";

export const DEFAULT_ANNOTATION_PREFIX = "nginx.ingress.kubernetes.io";

export interface NginxConfig {
  /** `stableIngress` or `stableIngresses`, normalised to a list (processed in order). */
  stableIngresses: string[];
  annotationPrefix: string;
  additionalIngressAnnotations: Record<string, string>;
  canaryIngressAnnotations: Record<string, string>;
}

const KEYS = [
  "stableIngress",
  "stableIngresses",
  "annotationPrefix",
  "additionalIngressAnnotations",
  "canaryIngressAnnotations",
] as const;

function stringMap(object: JsonObject, key: string): Record<string, string> {
  const value = object[key];
  if (value === undefined || value === null) return {};
  if (!isJsonObject(value)) throw new ConfigError(`nginx.${key} must be a map of strings`);
  const result: Record<string, string> = {};
  for (const [name, entry] of Object.entries(value)) {
    if (typeof entry !== "string") {
      throw new ConfigError(
        `nginx.${key}.${name} must be a string (quote numbers and booleans in YAML)`,
      );
    }
    result[name] = entry;
  }
  return result;
}

export function parseNginxConfig(raw: unknown): NginxConfig {
  const object = strictObject(raw, KEYS, "nginx");
  const single = optionalString(object, "stableIngress", "nginx");
  const list = object.stableIngresses;
  if (list !== undefined && !Array.isArray(list)) {
    throw new ConfigError("nginx.stableIngresses must be a list of Ingress names");
  }
  const many = (list ?? []).map((entry, index) => {
    if (typeof entry !== "string" || entry === "") {
      throw new ConfigError(`nginx.stableIngresses[${index}] must be a non-empty string`);
    }
    return entry;
  });
  const hasSingle = single !== undefined && single !== "";
  if (hasSingle === many.length > 0) {
    throw new ConfigError(
      "nginx needs exactly one of stableIngress (one name) or stableIngresses (a non-empty list)",
    );
  }
  const prefix = optionalString(object, "annotationPrefix", "nginx");
  return {
    stableIngresses: hasSingle ? [single] : many,
    annotationPrefix: prefix === undefined || prefix === "" ? DEFAULT_ANNOTATION_PREFIX : prefix,
    additionalIngressAnnotations: stringMap(object, "additionalIngressAnnotations"),
    canaryIngressAnnotations: stringMap(object, "canaryIngressAnnotations"),
  };
}
