// The MetricProvider plugin shared by the HTTP providers (spec §5: everything but Job and
// Kayenta finishes inside Run): Run measures, decides the phase from the metric's conditions
// and answers a final measurement; Terminate keeps a final measurement as it is; Resume is
// declined (no RUNNING measurement is ever answered, so no CAPABILITY_ASYNC_MEASUREMENT is
// declared). There is nothing to garbage-collect: no garbageCollect method, so the SDK answers
// GarbageCollect with success and Init declares no CAPABILITY_GARBAGE_COLLECT, which lets the
// controller skip that call for every trimmed measurement (common.proto).
import {
  type CallContext,
  type InFlightCall,
  MeasurementPhase,
  type MeasurementResult,
  type MetricCall,
  type MetricProviderPlugin,
} from "@sluice/sdk";
import type { ConditionLoader } from "./condition-language.js";
import {
  type ConditionEvaluator,
  type DecidedPhase,
  decidePhase,
  readConditions,
} from "./conditions.js";
import { ConfigError } from "./config.js";
import { errorMessage, MeasurementError, type MeasurementOutcome } from "./measurement.js";

export interface HttpProviderDefinition<C> {
  /** Registered name, `sluice/prometheus`. */
  name: string;
  version: string;
  /** Validates the configuration block (throws ConfigError). */
  parseConfig(raw: unknown): C;
  /** One measurement; throws MeasurementError (or ConfigError) when it cannot be taken. */
  measure(call: MetricCall<C>, context: CallContext): Promise<MeasurementOutcome>;
  getMetadata?(config: C): Record<string, string>;
  /** The condition language, looked up on the first metric that has a condition. */
  conditions: ConditionLoader;
}

const phases: Record<DecidedPhase, MeasurementPhase> = {
  Successful: MeasurementPhase.SUCCESSFUL,
  Failed: MeasurementPhase.FAILED,
  Inconclusive: MeasurementPhase.INCONCLUSIVE,
  Error: MeasurementPhase.ERROR,
};

const finalPhases = new Set([
  MeasurementPhase.SUCCESSFUL,
  MeasurementPhase.FAILED,
  MeasurementPhase.INCONCLUSIVE,
  MeasurementPhase.ERROR,
]);

/** The measurement for an outcome, its phase decided by the metric's conditions (spec §2.5). */
export function measurementFromOutcome(
  metric: Readonly<Record<string, unknown>>,
  outcome: MeasurementOutcome,
  evaluate: ConditionEvaluator,
): MeasurementResult {
  const decided = decidePhase(readConditions(metric), outcome.result, evaluate);
  const measurement: MeasurementResult = { phase: phases[decided.phase], value: outcome.value };
  if (decided.message !== undefined) measurement.message = decided.message;
  if (outcome.metadata !== undefined) measurement.metadata = outcome.metadata;
  return measurement;
}

// Never called: decidePhase asks for an evaluation only when a condition is present.
const noConditionLanguage: ConditionEvaluator = () => ({ ok: false, message: "no condition" });

export function httpMetricProvider<C>(
  definition: HttpProviderDefinition<C>,
): MetricProviderPlugin<C> {
  let announced = false;
  const evaluatorFor = async (
    metric: Readonly<Record<string, unknown>>,
    context: CallContext,
  ): Promise<ConditionEvaluator> => {
    const conditions = readConditions(metric);
    if (conditions.successCondition === undefined && conditions.failureCondition === undefined) {
      return noConditionLanguage;
    }
    const { evaluate, source } = await definition.conditions();
    if (!announced) {
      announced = true;
      context.logger.info({ conditionLanguage: source }, "condition language loaded");
    }
    return evaluate;
  };
  return {
    name: definition.name,
    version: definition.version,
    parseConfig: (raw) => definition.parseConfig(raw),
    async run(call, context) {
      const startedAt = new Date();
      try {
        const outcome = await definition.measure(call, context);
        const evaluate = await evaluatorFor(call.metric, context);
        return { ...measurementFromOutcome(call.metric, outcome, evaluate), startedAt };
      } catch (error) {
        if (!(error instanceof MeasurementError) && !(error instanceof ConfigError)) {
          // Not one of ours: still an Error measurement, but worth a log line.
          context.logger.warn({ err: error }, "measurement failed unexpectedly");
        }
        return { phase: MeasurementPhase.ERROR, message: errorMessage(error), startedAt };
      }
    },
    terminate(call: InFlightCall<C>) {
      const { measurement } = call;
      if (finalPhases.has(measurement.phase)) return { ...measurement };
      return { ...measurement, phase: MeasurementPhase.INCONCLUSIVE, message: "Metric Terminated" };
    },
    getMetadata({ config }) {
      return definition.getMetadata?.(config) ?? {};
    },
  };
}
