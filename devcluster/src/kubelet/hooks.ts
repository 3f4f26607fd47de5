/**
 * Test hooks: annotations on a pod (or on the pod template of a ReplicaSet/Deployment, which
 * is copied to its pods) or on a Job, that steer the simulation. Documented in README.md.
 */
export const HOOK_ANNOTATIONS = {
  /** "true": the pod runs but never becomes Ready. */
  unready: "devcluster.sluice.dev/unready",
  /** "true": the container crash-loops (waiting: CrashLoopBackOff, restarts climbing). */
  crashLoop: "devcluster.sluice.dev/crash-loop",
  /** "true": the pod fails (phase Failed, exit code 1). */
  fail: "devcluster.sluice.dev/fail",
  /** Milliseconds before this pod becomes Ready, overriding the cluster default. */
  readyDelayMs: "devcluster.sluice.dev/ready-delay-ms",
  /** On a Job: "succeed" (default) or "fail". */
  jobResult: "devcluster.sluice.dev/job-result",
  /** On a Job: how long each of its pods runs before finishing, in milliseconds (default 1000). */
  jobDurationMs: "devcluster.sluice.dev/job-duration-ms",
  /** Readiness probes fail from this many milliseconds after each container start. */
  readinessFailsAfterMs: "devcluster.sluice.dev/readiness-fails-after-ms",
  /** Liveness probes fail from this many milliseconds after each container start. */
  livenessFailsAfterMs: "devcluster.sluice.dev/liveness-fails-after-ms",
  /** "true": startup probes always fail. */
  startupFails: "devcluster.sluice.dev/startup-fails",
} as const;

export function annotation(
  annotations: Record<string, string> | undefined,
  key: string,
): string | undefined {
  return annotations?.[key];
}

export function flag(annotations: Record<string, string> | undefined, key: string): boolean {
  return annotations?.[key] === "true";
}

export function milliseconds(
  annotations: Record<string, string> | undefined,
  key: string,
): number | undefined {
  const raw = annotations?.[key];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}
