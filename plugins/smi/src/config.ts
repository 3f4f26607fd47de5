// The `trafficRouting.smi` block (spec/traffic-routers.md 2.4) and the TrafficSplit API
// version, which is per plugin process (the original's --traffic-split-api-version flag).
import { ConfigError, optionalString, strictObject } from "@sluice/sdk";

export interface SmiConfig {
  /** spec.service of the TrafficSplit; default: the Rollout's stableService. */
  rootService: string | undefined;
  /** Name of the TrafficSplit; default: the Rollout's name. */
  trafficSplitName: string | undefined;
}

export function parseSmiConfig(raw: unknown): SmiConfig {
  const object = strictObject(raw, ["rootService", "trafficSplitName"], "smi");
  const rootService = optionalString(object, "rootService", "smi");
  const trafficSplitName = optionalString(object, "trafficSplitName", "smi");
  return {
    rootService: rootService === "" ? undefined : rootService,
    trafficSplitName: trafficSplitName === "" ? undefined : trafficSplitName,
  };
}

export const SMI_API_VERSIONS = ["v1alpha1", "v1alpha2", "v1alpha3"] as const;
export type SmiApiVersion = (typeof SMI_API_VERSIONS)[number];
export const DEFAULT_SMI_API_VERSION: SmiApiVersion = "v1alpha1";

/** Environment variable read when the flag is absent. */
export const API_VERSION_ENV = "SLUICE_SMI_TRAFFIC_SPLIT_API_VERSION";

function isApiVersion(value: string): value is SmiApiVersion {
  return (SMI_API_VERSIONS as readonly string[]).includes(value);
}

/** `--traffic-split-api-version V`, else $SLUICE_SMI_TRAFFIC_SPLIT_API_VERSION, else v1alpha1. */
export function apiVersionFrom(argv: readonly string[], env: NodeJS.ProcessEnv): SmiApiVersion {
  let value: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (arg === "--traffic-split-api-version") value = argv[index + 1] ?? "";
    else if (arg?.startsWith("--traffic-split-api-version=")) value = arg.split("=", 2)[1];
  }
  value ??= env[API_VERSION_ENV] || DEFAULT_SMI_API_VERSION;
  if (!isApiVersion(value)) {
    throw new ConfigError(
      `unsupported TrafficSplit API version "${value}"; use one of ${SMI_API_VERSIONS.join(", ")}`,
    );
  }
  return value;
}
