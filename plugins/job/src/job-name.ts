// Naming and labelling of measurement Jobs (spec §5.4).
import { isJsonObject, type JsonObject } from "@sluice/sdk";

export const UID_LABEL = "analysisrun.argoproj.io/uid";
export const NAME_ANNOTATION = "analysisrun.argoproj.io/name";
export const NAMESPACE_ANNOTATION = "analysisrun.argoproj.io/namespace";
export const METRIC_ANNOTATION = "analysisrun.argoproj.io/metric-name";
/** Measurement metadata keys Run answers and Resume/Terminate read. */
export const JOB_NAME_KEY = "job-name";
export const JOB_NAMESPACE_KEY = "job-namespace";

/** Longest Job name: the API server copies it into the pods' `job-name` label (63 chars). */
export const MAX_JOB_NAME = 63;

/** `count + error + 1` of the metric's result in the run's status; 1 when there is none. */
export function measurementNumber(analysisRun: JsonObject, metricName: string): number {
  const status = analysisRun.status;
  const results = isJsonObject(status) ? status.metricResults : undefined;
  if (!Array.isArray(results)) return 1;
  for (const result of results) {
    if (!isJsonObject(result) || result.name !== metricName) continue;
    return counter(result.count) + counter(result.error) + 1;
  }
  return 1;
}

function counter(value: unknown): number {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : 0;
}

/** `<run UID>.<metric>.<n>`, the metric part shortened so that the name fits in 63 chars. */
export function jobName(runUid: string, metricName: string, n: number): string {
  const name = `${runUid}.${metricName}.${n}`;
  if (name.length <= MAX_JOB_NAME) return name;
  const room = Math.max(0, MAX_JOB_NAME - runUid.length - String(n).length - 2);
  // A DNS label must not end in '-' or '.', so the cut never leaves one at the end.
  const metric = metricName.slice(0, room).replace(/[-.]+$/, "");
  return `${runUid}.${metric}.${n}`;
}
