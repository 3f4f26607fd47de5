import { isObject } from "../api/types.js";

/** A probe's timing, in milliseconds, with the defaults Kubernetes documents. */
export interface ProbeTiming {
  initialDelayMs: number;
  periodMs: number;
  successThreshold: number;
  failureThreshold: number;
  timeoutMs: number;
}

function seconds(value: unknown, fallback: number, minimum: number): number {
  return typeof value === "number" && Number.isFinite(value) && value >= minimum ? value : fallback;
}

/** Reads a container's probe (`readinessProbe`, `livenessProbe`, `startupProbe`), if any. */
export function probeTiming(raw: unknown): ProbeTiming | undefined {
  if (!isObject(raw)) return undefined;
  return {
    initialDelayMs: seconds(raw.initialDelaySeconds, 0, 0) * 1000,
    periodMs: seconds(raw.periodSeconds, 10, 1) * 1000,
    successThreshold: seconds(raw.successThreshold, 1, 1),
    failureThreshold: seconds(raw.failureThreshold, 3, 1),
    timeoutMs: seconds(raw.timeoutSeconds, 1, 1) * 1000,
  };
}

/*
 * Probes succeed unless a test hook says otherwise, so their outcomes are known in advance:
 * instead of running each probe every period, the kubelet computes when the result changes
 * and wakes the pod then. Probe k runs at base + initialDelay + k * period.
 */

/** When `successThreshold` consecutive successes have been seen, starting from `base`. */
export function firstPassAt(base: number, probe: ProbeTiming): number {
  return base + probe.initialDelayMs + (probe.successThreshold - 1) * probe.periodMs;
}

/**
 * When the probe is declared failed, if every probe run at or after `failFrom` fails: the
 * `failureThreshold`-th consecutive failure, each failure taking `timeoutSeconds` (failing
 * probes are simulated as probes that time out).
 */
export function failureRecordedAt(base: number, probe: ProbeTiming, failFrom: number): number {
  const first = base + probe.initialDelayMs;
  const k = Math.max(0, Math.ceil((failFrom - first) / probe.periodMs));
  return first + (k + probe.failureThreshold - 1) * probe.periodMs + probe.timeoutMs;
}

/**
 * How long an `exec` lifecycle hook (or the `sleep` action) keeps the container busy: the
 * duration of a `sleep N` in its command, 0 when there is none.
 */
export function hookSleepMs(handler: unknown): number {
  if (!isObject(handler)) return 0;
  if (isObject(handler.sleep) && typeof handler.sleep.seconds === "number")
    return Math.max(0, handler.sleep.seconds) * 1000;
  if (!isObject(handler.exec) || !Array.isArray(handler.exec.command)) return 0;
  const text = handler.exec.command.map(String).join(" ");
  const match = /(?:^|[\s;&|/])sleep\s+(\d+(?:\.\d+)?)/.exec(text);
  return match?.[1] ? Number(match[1]) * 1000 : 0;
}
