// What a provider's core produces for one measurement, before the plugin wrapper turns it
// into the contract's Measurement. Conditions are not evaluated here: the `result` is handed
// on (spec/analysis-and-providers.md §4.2 says what it is for each provider).

export interface MeasurementOutcome {
  /** `value` of the measurement, a string (spec §5). */
  value: string;
  /** The `result` the success/failure conditions see; `null` stands for the original's nil. */
  result: unknown;
  /** Extra facts shown with the measurement (`warnings`, `groups`...). */
  metadata?: Record<string, string>;
}

/** A measurement that could not be taken. The message becomes the measurement's message. */
export class MeasurementError extends Error {
  override readonly name = "MeasurementError";
  constructor(
    message: string,
    /** True when the same measurement may succeed later with no change by the user. */
    readonly retryable = true,
  ) {
    super(message);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
