// Example metric provider: every measurement returns the value and phase its configuration
// names. Useful in demos and to test analysis without a metrics backend.
//
// Run: node sdk/examples/dist/constant-metric.js --listen unix:///tmp/constant-metric.sock
// Config block (metric.provider.plugin["example/constant-metric"]):
//   { "value": "0.97", "phase": "Successful" }   value required; phase defaults to Successful.
import {
  ConfigError,
  MeasurementPhase,
  optionalString,
  requireString,
  serveMetricProvider,
  strictObject,
} from "@sluice/sdk";

const phases = {
  Successful: MeasurementPhase.SUCCESSFUL,
  Failed: MeasurementPhase.FAILED,
  Inconclusive: MeasurementPhase.INCONCLUSIVE,
  Error: MeasurementPhase.ERROR,
} as const;

interface ConstantConfig {
  value: string;
  phase: MeasurementPhase;
}

function parseConfig(raw: unknown): ConstantConfig {
  const block = strictObject(raw, ["value", "phase"]);
  const phaseName = optionalString(block, "phase") ?? "Successful";
  if (!(phaseName in phases)) {
    throw new ConfigError(
      `config.phase must be one of ${Object.keys(phases).join(", ")}, got "${phaseName}"`,
    );
  }
  return { value: requireString(block, "value"), phase: phases[phaseName as keyof typeof phases] };
}

await serveMetricProvider<ConstantConfig>({
  name: "example/constant-metric",
  version: "1.0.0",
  parseConfig,
  run: ({ config }) => ({ phase: config.phase, value: config.value }),
  getMetadata: ({ config }) => ({ constantValue: config.value }),
});
