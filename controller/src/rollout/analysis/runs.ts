// The AnalysisRuns of one Rollout pass (spec/analysis-and-providers.md §3.1–3.3): for each
// kind of run the strategy needs now (a "slot"), find the current run or create it, mirror
// its phase into the Rollout status, and report what it means for the rollout (failed →
// abort, inconclusive → pause, successful → the step or promotion may go on). Runs no longer
// needed are terminated; finished ones beyond the history limits are deleted.

import type { RolloutAnalysisRunStatus, RolloutStatus } from "../../api/rollout.js";
import type { RolloutAnalysis } from "../../api/rollout-steps.js";
import type { PlanBuilder, RolloutContext } from "../context.js";
import { PauseConditionReason, POD_TEMPLATE_HASH_LABEL } from "../keys.js";
import type { AnalysisRunLike } from "../observed.js";
import { rsHash, timestampMillis } from "../replicasets.js";
import { baseRunName, buildAnalysisRun, type RunKind, runIdentityLabels } from "./build.js";

export type { RunKind } from "./build.js";

export interface RunSlot {
  kind: RunKind;
  /** What the Rollout asks for now; undefined = no run of this kind is needed. */
  analysis: RolloutAnalysis | undefined;
  stepIndex?: number;
  /** The slot's status field as the pass found it. */
  previousRef: RolloutAnalysisRunStatus | undefined;
  /** False while the rollout is paused: an existing run is followed, none is created. */
  mayCreate: boolean;
  /** An InconclusiveAnalysisRun pause condition is present. */
  inconclusivePaused: boolean;
}

export interface SlotOutcome {
  /** The status field to write; undefined clears it. */
  ref: RolloutAnalysisRunStatus | undefined;
  /** The run's phase ("Pending" until the analysis controller first wrote it). */
  phase: string | undefined;
  /** The run became Inconclusive in this pass: the caller pauses the rollout. */
  newlyInconclusive: boolean;
  /** The run could not be built (template missing, bad argument): say so, do not advance. */
  error?: string;
}

const TERMINAL = new Set(["Successful", "Failed", "Error", "Inconclusive"]);

export function isTerminalRunPhase(phase: string | undefined): boolean {
  return phase !== undefined && TERMINAL.has(phase);
}

function runName(run: AnalysisRunLike): string {
  return run.metadata?.name ?? "";
}

function refOf(run: AnalysisRunLike): RolloutAnalysisRunStatus {
  const phase = run.status?.phase;
  const message = run.status?.message;
  return {
    name: runName(run),
    status: phase === undefined || phase === "" ? "Pending" : phase,
    ...(message === undefined || message === "" ? {} : { message }),
  };
}

function matchesIdentity(run: AnalysisRunLike, identity: Record<string, string>): boolean {
  const labels = run.metadata?.labels ?? {};
  return Object.entries(identity).every(([key, value]) => labels[key] === value);
}

/** A free name: the base, else `<base>.1`, `<base>.2`, ... (§3.2 step 8). */
function freeName(ctx: RolloutContext, base: string): string {
  const taken = ctx.observed.analysisRunNameTaken ?? (() => false);
  if (!taken(base)) return base;
  for (let i = 1; ; i++) {
    const candidate = `${base}.${i}`;
    if (!taken(candidate)) return candidate;
  }
}

export function reconcileSlot(ctx: RolloutContext, b: PlanBuilder, slot: RunSlot): SlotOutcome {
  if (slot.analysis === undefined)
    return { ref: undefined, phase: undefined, newlyInconclusive: false };
  const runs = ctx.observed.analysisRuns ?? [];
  const identity = runIdentityLabels(ctx, slot.kind, slot.stepIndex);
  let current: AnalysisRunLike | undefined;
  if (slot.previousRef !== undefined) {
    current = runs.find(
      (r) => runName(r) === slot.previousRef?.name && matchesIdentity(r, identity),
    );
  } else {
    // A run created by a pass whose status write was lost: adopt it instead of a second one.
    current = runs.find(
      (r) =>
        matchesIdentity(r, identity) &&
        r.spec?.terminate !== true &&
        r.metadata?.deletionTimestamp === undefined &&
        !isTerminalRunPhase(r.status?.phase),
    );
  }
  if (current !== undefined) {
    const ref = refOf(current);
    if (ref.status !== "Inconclusive") return { ref, phase: ref.status, newlyInconclusive: false };
    const alreadySeen = slot.previousRef?.status === "Inconclusive";
    if (!alreadySeen) return { ref, phase: ref.status, newlyInconclusive: true };
    if (slot.inconclusivePaused) return { ref, phase: ref.status, newlyInconclusive: false };
    // The user lifted the inconclusive pause: measure again with a new run (§3.1).
  }
  if (!slot.mayCreate) {
    return {
      ref: current === undefined ? slot.previousRef : refOf(current),
      phase: current === undefined ? slot.previousRef?.status : refOf(current).status,
      newlyInconclusive: false,
    };
  }
  const lookup = ctx.observed.analysisTemplate ?? (() => undefined);
  // The deterministic name first: if the previous pass created it and the cache has not seen
  // it yet, creating it again is answered AlreadyExists, which the executor accepts.
  const name = freeName(ctx, baseRunName(ctx, slot.kind, slot.stepIndex));
  const built = buildAnalysisRun(ctx, slot.kind, slot.analysis, name, lookup, slot.stepIndex);
  if (!built.ok) {
    return {
      ref: slot.previousRef,
      phase: undefined,
      newlyInconclusive: false,
      error: `cannot create the ${describeKind(slot.kind)} AnalysisRun: ${built.error}`,
    };
  }
  b.actions.push({ kind: "createAnalysisRun", name: built.name, manifest: built.manifest });
  b.event(
    "Normal",
    "AnalysisRunCreated",
    `Created ${describeKind(slot.kind)} AnalysisRun ${built.name}`,
  );
  return {
    ref: { name: built.name, status: "Pending" },
    phase: "Pending",
    newlyInconclusive: false,
  };
}

export function describeKind(kind: RunKind): string {
  switch (kind) {
    case "Step":
      return "step";
    case "Background":
      return "background";
    case "PrePromotion":
      return "pre-promotion";
    case "PostPromotion":
      return "post-promotion";
  }
}

/**
 * §3.3: runs that are not current get `spec.terminate`; finished ones are kept up to the
 * history limits (newest first), and deleted at once when their ReplicaSet is gone.
 */
export function cleanupRuns(
  ctx: RolloutContext,
  b: PlanBuilder,
  currentNames: ReadonlySet<string>,
): void {
  const runs = ctx.observed.analysisRuns ?? [];
  const hashes = new Set(ctx.allRSs.map((rs) => rsHash(rs)));
  const successfulLimit = ctx.rollout.spec.analysis?.successfulRunHistoryLimit ?? 5;
  const unsuccessfulLimit = ctx.rollout.spec.analysis?.unsuccessfulRunHistoryLimit ?? 5;
  const finished: AnalysisRunLike[] = [];
  for (const run of runs) {
    const name = runName(run);
    if (currentNames.has(name) || run.metadata?.deletionTimestamp !== undefined) continue;
    if (!isTerminalRunPhase(run.status?.phase)) {
      if (run.spec?.terminate !== true) b.actions.push({ kind: "terminateAnalysisRun", name });
      continue;
    }
    const hash = run.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL];
    if (hash === undefined || !hashes.has(hash)) {
      b.actions.push({ kind: "deleteAnalysisRun", name, uid: run.metadata?.uid });
      continue;
    }
    finished.push(run);
  }
  finished.sort(
    (x, y) =>
      (timestampMillis(y.metadata?.creationTimestamp) ?? 0) -
      (timestampMillis(x.metadata?.creationTimestamp) ?? 0),
  );
  let successful = 0;
  let unsuccessful = 0;
  for (const run of finished) {
    const keep =
      run.status?.phase === "Successful"
        ? ++successful <= successfulLimit
        : ++unsuccessful <= unsuccessfulLimit;
    if (!keep)
      b.actions.push({ kind: "deleteAnalysisRun", name: runName(run), uid: run.metadata?.uid });
  }
}

/** The abort message of a failed run (§3.1), e.g. `Step-based analysis phase error/failed: ...`. */
export function abortMessageFor(kind: RunKind, ref: RolloutAnalysisRunStatus): string {
  const prefix: Record<RunKind, string> = {
    Step: "Step-based analysis phase error/failed",
    Background: "Background analysis phase error/failed",
    PrePromotion: "Blue/green pre-promotion analysis phase error/failed",
    PostPromotion: "Blue/green post-promotion analysis phase error/failed",
  };
  return ref.message === undefined ? prefix[kind] : `${prefix[kind]}: ${ref.message}`;
}

/** §3.1: an inconclusive run pauses the rollout until the user promotes or aborts. */
export function pauseForInconclusive(ctx: RolloutContext, status: RolloutStatus): void {
  status.pauseConditions = [
    ...(status.pauseConditions ?? []),
    { reason: PauseConditionReason.InconclusiveAnalysisRun, startTime: ctx.nowIso },
  ];
  status.controllerPause = true;
}

/** §3.1: a failed or errored run aborts the update (the pass then ends with the status). */
export function abortForAnalysis(ctx: RolloutContext, status: RolloutStatus): void {
  status.abort = true;
  status.abortedAt = ctx.nowIso;
  delete status.pauseConditions;
}
