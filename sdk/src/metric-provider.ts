// serveMetricProvider: runs a metric-provider implementation as a plugin process, with the
// same decoding, validation and error handling as serveTrafficRouter.
import {
  Capability,
  type DomainError,
  type GarbageCollectRequest,
  type GarbageCollectResponse,
  type GetMetadataRequest,
  type GetMetadataResponse,
  type InitResponse,
  Measurement,
  MeasurementPhase,
  MetricProviderService,
  PluginKind,
  type ResumeRequest,
  type ResumeResponse,
  type RunRequest,
  type RunResponse,
  type TerminateRequest,
  type TerminateResponse,
} from "@sluice/proto";
import { answerInit, anyObjectConfig, type CallContext, dispatch } from "./dispatch.js";
import { domainError, PluginError } from "./errors.js";
import { createPluginLogger, type Logger } from "./logger.js";
import type { JsonObject } from "./request.js";
import {
  type PluginServerHandle,
  type ServeOptions,
  startPluginServer,
  unaryHandler,
} from "./server.js";

export const METRIC_PROVIDER_SERVICE = "rollouts.plugin.v1.MetricProvider";

/** The parts every measurement request shares, already decoded. */
export interface MetricCall<C> {
  /** The AnalysisRun (checked to be a JSON object, nothing more). */
  analysisRun: JsonObject;
  /** The metric being measured, arguments resolved (checked to be a JSON object). */
  metric: JsonObject;
  /** The plugin's configuration block, as returned by `parseConfig`. */
  config: C;
}

export interface InFlightCall<C> extends MetricCall<C> {
  /** The measurement as last returned by run or resume. */
  measurement: Measurement;
}

/**
 * A measurement as a method returns it: only `phase` is required. The SDK fills `startedAt`
 * (now, or the in-flight measurement's) and, for final phases, `finishedAt` (now).
 */
export interface MeasurementResult {
  phase: MeasurementPhase;
  value?: string;
  message?: string;
  metadata?: Record<string, string>;
  startedAt?: Date;
  finishedAt?: Date;
  resumeAt?: Date;
}

type Result<T> = Promise<T> | T;

/** What a metric provider implements. Only `run` is required. */
export interface MetricProviderPlugin<C = JsonObject> {
  /** Registered name, for example `example/constant-metric`. */
  name: string;
  version: string;
  /** Validates the configuration block; throw to answer an error reply. Default: any object. */
  parseConfig?: (raw: unknown) => C;
  /** Capabilities beyond those implied by the optional methods present (see common.proto). */
  capabilities?: readonly Capability[];
  /** Runs on every Init call (once per controller connection); throw to report failure. */
  init?(context: CallContext): Result<void>;
  /** Takes a measurement; may answer RUNNING with `resumeAt` when `resume` is implemented. */
  run(call: MetricCall<C>, context: CallContext): Result<MeasurementResult>;
  /** Absent: an error (a provider without it must never answer RUNNING). */
  resume?(call: InFlightCall<C>, context: CallContext): Result<MeasurementResult>;
  /** Absent: the measurement ends INCONCLUSIVE ("Metric Terminated", as the original does). */
  terminate?(call: InFlightCall<C>, context: CallContext): Result<MeasurementResult>;
  /** Absent: success without doing anything. */
  garbageCollect?(call: MetricCall<C> & { limit: number }, context: CallContext): Result<void>;
  /** Absent: no metadata. Gets the metric and config only (no AnalysisRun). */
  getMetadata?(
    call: { metric: JsonObject; config: C },
    context: CallContext,
  ): Result<Record<string, string>>;
}

export function metricProviderCapabilities<C>(impl: MetricProviderPlugin<C>): Capability[] {
  const found = new Set<Capability>(impl.capabilities ?? []);
  if (impl.resume !== undefined) found.add(Capability.ASYNC_MEASUREMENT);
  if (impl.garbageCollect !== undefined) found.add(Capability.GARBAGE_COLLECT);
  return [...found].sort((a, b) => a - b);
}

const finalPhases = new Set<MeasurementPhase>([
  MeasurementPhase.SUCCESSFUL,
  MeasurementPhase.FAILED,
  MeasurementPhase.INCONCLUSIVE,
  MeasurementPhase.ERROR,
]);

/** Completes a returned measurement, or explains why it cannot be sent. */
export function completeMeasurement(
  pluginName: string,
  method: string,
  result: MeasurementResult,
  previous: Measurement | undefined,
  now: Date,
): Measurement {
  const phase = result.phase;
  if (phase !== MeasurementPhase.RUNNING && !finalPhases.has(phase)) {
    throw new PluginError(
      `${pluginName} ${method} returned a measurement without a valid phase (${String(phase)})`,
    );
  }
  const final = finalPhases.has(phase);
  return Measurement.fromPartial({
    phase,
    value: result.value ?? "",
    message: result.message ?? "",
    metadata: result.metadata ?? previous?.metadata ?? {},
    startedAt: result.startedAt ?? previous?.startedAt ?? now,
    finishedAt: final ? (result.finishedAt ?? now) : undefined,
    resumeAt: final ? undefined : result.resumeAt,
  });
}

/** The gRPC handlers for `impl`, without a server. */
export function metricProviderHandlers<C = JsonObject>(
  impl: MetricProviderPlugin<C>,
  logger: Logger,
) {
  const validate = impl.parseConfig ?? (anyObjectConfig as (raw: unknown) => C);

  function metricCall<Res>(
    method: string,
    request: { analysisRun: Uint8Array; metric: Uint8Array; config: Uint8Array },
    deadline: Date | undefined,
    reply: (error: DomainError) => Res,
    body: (call: MetricCall<C>, context: CallContext) => Promise<Res>,
  ): Promise<Res> {
    return dispatch({
      method,
      pluginName: impl.name,
      logger,
      deadline,
      objects: [
        ["analysis_run", request.analysisRun],
        ["metric", request.metric],
      ],
      config: request.config,
      validate,
      reply,
      body: ([analysisRun, metric], config, context) =>
        body({ analysisRun: analysisRun ?? {}, metric: metric ?? {}, config }, context),
    });
  }

  const inFlight = (method: string, request: ResumeRequest | TerminateRequest): Measurement => {
    if (request.measurement === undefined) {
      throw new PluginError(`invalid request: ${method} needs the in-flight measurement`);
    }
    return request.measurement;
  };

  return {
    init: (): Promise<InitResponse> =>
      answerInit(impl, PluginKind.METRIC_PROVIDER, metricProviderCapabilities(impl), logger),
    run: (request: RunRequest, deadline?: Date): Promise<RunResponse> =>
      metricCall<RunResponse>(
        "Run",
        request,
        deadline,
        (error) => ({ error }),
        async (call, context) => {
          const result = await impl.run(call, context);
          return {
            measurement: completeMeasurement(impl.name, "Run", result, undefined, new Date()),
          };
        },
      ),
    resume: (request: ResumeRequest, deadline?: Date): Promise<ResumeResponse> =>
      metricCall<ResumeResponse>(
        "Resume",
        request,
        deadline,
        (error) => ({ error }),
        async (call, context) => {
          const measurement = inFlight("Resume", request);
          if (impl.resume === undefined) {
            return {
              error: domainError(
                `${impl.name} takes no asynchronous measurements (no CAPABILITY_ASYNC_MEASUREMENT), so there is nothing to resume`,
              ),
            };
          }
          const result = await impl.resume({ ...call, measurement }, context);
          return {
            measurement: completeMeasurement(impl.name, "Resume", result, measurement, new Date()),
          };
        },
      ),
    terminate: (request: TerminateRequest, deadline?: Date): Promise<TerminateResponse> =>
      metricCall<TerminateResponse>(
        "Terminate",
        request,
        deadline,
        (error) => ({ error }),
        async (call, context) => {
          const measurement = inFlight("Terminate", request);
          const result: MeasurementResult =
            impl.terminate === undefined
              ? {
                  ...measurement,
                  phase: MeasurementPhase.INCONCLUSIVE,
                  message: "Metric Terminated",
                }
              : await impl.terminate({ ...call, measurement }, context);
          return {
            measurement: completeMeasurement(
              impl.name,
              "Terminate",
              result,
              measurement,
              new Date(),
            ),
          };
        },
      ),
    garbageCollect: (
      request: GarbageCollectRequest,
      deadline?: Date,
    ): Promise<GarbageCollectResponse> =>
      metricCall<GarbageCollectResponse>(
        "GarbageCollect",
        request,
        deadline,
        (error) => ({ error }),
        async (call, context) => {
          await impl.garbageCollect?.({ ...call, limit: request.limit }, context);
          return {};
        },
      ),
    getMetadata: (request: GetMetadataRequest, deadline?: Date): Promise<GetMetadataResponse> =>
      dispatch({
        method: "GetMetadata",
        pluginName: impl.name,
        logger,
        deadline,
        objects: [["metric", request.metric]],
        config: request.config,
        validate,
        reply: (error) => ({ metadata: {}, error }),
        body: async ([metric], config, context) => {
          const metadata =
            (await impl.getMetadata?.({ metric: metric ?? {}, config }, context)) ?? {};
          return { metadata };
        },
      }),
  };
}

/** Serves `impl` as a MetricProvider plugin; see ServeOptions for the address and shutdown. */
export function serveMetricProvider<C = JsonObject>(
  impl: MetricProviderPlugin<C>,
  options: ServeOptions = {},
): Promise<PluginServerHandle> {
  const logger = options.logger ?? createPluginLogger(impl.name, options.env ?? process.env);
  const h = metricProviderHandlers(impl, logger);
  return startPluginServer(
    {
      serviceName: METRIC_PROVIDER_SERVICE,
      definition: MetricProviderService,
      pluginName: impl.name,
      handlers: {
        init: unaryHandler("Init", logger, () => h.init()),
        run: unaryHandler("Run", logger, h.run),
        resume: unaryHandler("Resume", logger, h.resume),
        terminate: unaryHandler("Terminate", logger, h.terminate),
        garbageCollect: unaryHandler("GarbageCollect", logger, h.garbageCollect),
        getMetadata: unaryHandler("GetMetadata", logger, h.getMetadata),
      },
    },
    { ...options, logger },
  );
}
