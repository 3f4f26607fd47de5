// Status timestamps are RFC 3339 with second precision (spec/analysis-and-providers.md
// conventions); durations are Go duration strings.
import { parseGoDuration } from "../../api/duration.js";

/** RFC 3339, truncated to the second, as the API server stores metav1.Time. */
export function formatTime(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** Epoch milliseconds of a status time, or undefined when absent or unparsable. */
export function parseTime(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Milliseconds of a Go duration string, or undefined when it does not parse. */
export function durationMs(text: string): number | undefined {
  const seconds = parseGoDuration(text);
  return seconds === undefined ? undefined : Math.round(seconds * 1000);
}
