// The checks for a metric provider (proto/rollouts/plugin/v1/metric_provider.proto).
import { Capability, type Measurement, MeasurementPhase, PluginKind } from "@sluice/proto";
import type { CallOptions, MetricProviderClient } from "../connect.js";
import { type Check, CheckFailure, expectErrorReply, expectNoError } from "./check.js";
import { initCheck } from "./router-checks.js";
import {
  emptyBytes,
  malformedJson,
  sampleAnalysisRun,
  sampleMetric,
  toJsonBytes,
  withUnknownField,
} from "./samples.js";

export interface MetricCheckInput {
  client: MetricProviderClient;
  config: unknown;
  call: CallOptions;
}

const finalPhases = new Set([
  MeasurementPhase.SUCCESSFUL,
  MeasurementPhase.FAILED,
  MeasurementPhase.INCONCLUSIVE,
  MeasurementPhase.ERROR,
]);

function phaseName(phase: MeasurementPhase): string {
  return MeasurementPhase[phase] ?? String(phase);
}

function expectMeasurement(
  method: string,
  measurement: Measurement | undefined,
  asyncAllowed: boolean,
): Measurement {
  if (measurement === undefined)
    throw new CheckFailure(`${method} answered neither a measurement nor an error`);
  const phase = measurement.phase;
  if (phase === MeasurementPhase.RUNNING) {
    if (!asyncAllowed) {
      throw new CheckFailure(
        `${method} answered RUNNING but the plugin does not declare CAPABILITY_ASYNC_MEASUREMENT, so it would never be resumed`,
      );
    }
    return measurement;
  }
  if (!finalPhases.has(phase)) {
    throw new CheckFailure(
      `${method} answered a measurement with phase ${phaseName(phase)}; expected RUNNING or a final phase`,
    );
  }
  return measurement;
}

export function metricChecks(input: MetricCheckInput): Check[] {
  const { client, call } = input;
  const analysisRun = toJsonBytes(sampleAnalysisRun);
  const config = toJsonBytes(input.config);
  let capabilities = new Set<Capability>();
  let metric = toJsonBytes(sampleMetric("conformance/unknown", input.config));
  let inFlight: Measurement = {
    phase: MeasurementPhase.RUNNING,
    value: "",
    message: "",
    metadata: {},
    startedAt: new Date(),
    finishedAt: undefined,
    resumeAt: new Date(),
  };
  const asyncMeasurements = (): boolean => capabilities.has(Capability.ASYNC_MEASUREMENT);

  const invalid = (
    what: string,
    request: { analysisRun?: Buffer; metric?: Buffer; config?: Buffer },
  ): Check => ({
    name: `${what} gives an error reply, not a crash or a hang`,
    run: async () => {
      const reply = await client.run({ analysisRun, metric, config, ...request }, call);
      return expectErrorReply(`Run with ${what}`, reply.error);
    },
  });

  return [
    initCheck(
      PluginKind.METRIC_PROVIDER,
      (o) => client.init({ controllerVersion: "conformance" }, o),
      call,
      (reply) => {
        capabilities = new Set(reply.capabilities);
        metric = toJsonBytes(sampleMetric(reply.name, input.config));
      },
    ),
    {
      name: "Run answers a valid request in time with a well-formed measurement",
      run: async () => {
        const reply = await client.run({ analysisRun, metric, config }, call);
        expectNoError("Run", reply.error);
        const measurement = expectMeasurement("Run", reply.measurement, asyncMeasurements());
        if (measurement.phase === MeasurementPhase.RUNNING) inFlight = measurement;
        return `${phaseName(measurement.phase)} ${JSON.stringify(measurement.value)}`;
      },
    },
    {
      name: "Resume answers in time (a well-formed measurement, or declines without the capability)",
      run: async () => {
        const reply = await client.resume(
          { analysisRun, metric, config, measurement: inFlight },
          call,
        );
        if (!asyncMeasurements()) {
          if (reply.error !== undefined)
            return `${expectErrorReply("Resume", reply.error)} (capability not declared)`;
        } else {
          expectNoError("Resume", reply.error);
        }
        return phaseName(expectMeasurement("Resume", reply.measurement, true).phase);
      },
    },
    {
      name: "Terminate answers in time with a final measurement",
      run: async () => {
        const reply = await client.terminate(
          { analysisRun, metric, config, measurement: inFlight },
          call,
        );
        expectNoError("Terminate", reply.error);
        const measurement = expectMeasurement("Terminate", reply.measurement, false);
        return phaseName(measurement.phase);
      },
    },
    {
      name: "GarbageCollect answers a valid request in time without error",
      run: async () => {
        expectNoError(
          "GarbageCollect",
          (await client.garbageCollect({ analysisRun, metric, config, limit: 10 }, call)).error,
        );
        return undefined;
      },
    },
    {
      name: "GetMetadata answers a valid request in time without error",
      run: async () => {
        const reply = await client.getMetadata({ metric, config }, call);
        expectNoError("GetMetadata", reply.error);
        return JSON.stringify(reply.metadata);
      },
    },
    invalid("malformed analysis_run JSON", { analysisRun: malformedJson }),
    invalid("malformed metric JSON", { metric: malformedJson }),
    invalid("malformed config JSON", { config: malformedJson }),
    invalid("missing config", { config: emptyBytes }),
    invalid("an unknown config field", { config: toJsonBytes(withUnknownField(input.config)) }),
  ];
}
