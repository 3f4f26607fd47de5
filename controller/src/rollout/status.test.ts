// spec/rollout-behavior.md §2.3: the phase rules, first match wins.
import { describe, expect, it } from "vitest";
import type { RolloutStatus } from "../api/rollout.js";
import { buildContext } from "./context.js";
import { computePhase, type PhaseInputs, setCondition } from "./status.js";
import { canaryRollout } from "./testing/fixtures.js";

const NOW = new Date("2026-01-01T00:00:00Z");
const cond = (type: string, status: string, reason: string, message = "m") => ({
  type,
  status,
  reason,
  message,
  lastUpdateTime: "2026-01-01T00:00:00Z",
  lastTransitionTime: "2026-01-01T00:00:00Z",
});

interface PhaseRow {
  name: string;
  status: RolloutStatus;
  paused?: boolean;
  restartAt?: string;
  inputs?: Partial<PhaseInputs>;
  phase: string;
  message: string;
}

const done: RolloutStatus = {
  currentPodHash: "new",
  stableRS: "new",
  updatedReplicas: 4,
  availableReplicas: 4,
  replicas: 4,
  blueGreen: { activeSelector: "new" },
};

const rows: PhaseRow[] = [
  {
    name: "1 InvalidSpec wins over everything",
    status: {
      ...done,
      conditions: [
        cond("InvalidSpec", "True", "InvalidSpec", "bad"),
        cond("Progressing", "False", "RolloutAborted"),
      ],
    },
    paused: true,
    phase: "Degraded",
    message: "InvalidSpec: bad",
  },
  {
    name: "2 aborted",
    status: {
      ...done,
      conditions: [
        cond("Progressing", "False", "RolloutAborted", "Rollout aborted update to revision 2"),
      ],
    },
    paused: true,
    phase: "Degraded",
    message: "RolloutAborted: Rollout aborted update to revision 2",
  },
  {
    name: "2 progress deadline exceeded",
    status: {
      ...done,
      conditions: [
        cond(
          "Progressing",
          "False",
          "ProgressDeadlineExceeded",
          'ReplicaSet "x" has timed out progressing.',
        ),
      ],
    },
    phase: "Degraded",
    message: 'ProgressDeadlineExceeded: ReplicaSet "x" has timed out progressing.',
  },
  {
    name: "3 spec.paused before pause conditions",
    status: {
      ...done,
      pauseConditions: [{ reason: "CanaryPauseStep", startTime: "2026-01-01T00:00:00Z" }],
    },
    paused: true,
    phase: "Paused",
    message: "manually paused",
  },
  {
    name: "4 first pause condition's reason",
    status: {
      ...done,
      pauseConditions: [
        { reason: "BlueGreenPause", startTime: "2026-01-01T00:00:00Z" },
        { reason: "InconclusiveAnalysisRun", startTime: "2026-01-01T00:00:00Z" },
      ],
    },
    phase: "Paused",
    message: "BlueGreenPause",
  },
  {
    name: "5 restart pending",
    status: done,
    restartAt: "2026-01-01T00:00:00Z",
    phase: "Progressing",
    message: "rollout is restarting",
  },
  {
    name: "6 updated < R",
    status: { ...done, updatedReplicas: 3 },
    phase: "Progressing",
    message: "more replicas need to be updated",
  },
  {
    name: "7 available < updated",
    status: { ...done, availableReplicas: 3 },
    phase: "Progressing",
    message: "updated replicas are still becoming available",
  },
  {
    name: "8 blue-green cutover pending",
    status: { ...done, blueGreen: { activeSelector: "old" } },
    inputs: { strategy: "blueGreen" },
    phase: "Progressing",
    message: "active service cutover pending",
  },
  {
    name: "8 blue-green waiting for post-promotion",
    status: { ...done, stableRS: "old" },
    inputs: { strategy: "blueGreen" },
    phase: "Progressing",
    message: "waiting for post-promotion verification to complete",
  },
  {
    name: "9 canary old replicas",
    status: { ...done, replicas: 6 },
    phase: "Progressing",
    message: "old replicas are pending termination",
  },
  {
    name: "9 canary with traffic routing ignores old replicas",
    status: { ...done, replicas: 6 },
    inputs: { trafficRouting: true },
    phase: "Healthy",
    message: "",
  },
  {
    name: "9 canary steps pending",
    status: { ...done, stableRS: "old" },
    phase: "Progressing",
    message: "waiting for all steps to complete",
  },
  { name: "10 healthy", status: done, phase: "Healthy", message: "" },
];

describe("phase (spec §2.3)", () => {
  it.each(rows)("$name", (row) => {
    const rollout = canaryRollout(
      4,
      {},
      {
        ...(row.paused === true ? { paused: true } : {}),
        ...(row.restartAt === undefined ? {} : { restartAt: row.restartAt }),
      },
    );
    rollout.status = row.status;
    const ctx = buildContext(
      { rollout, replicaSets: [], services: new Map() },
      NOW,
      {},
      {},
      "new",
      undefined,
      undefined,
    );
    const inputs: PhaseInputs = {
      strategy: "canary",
      stepsDone: true,
      servicesOnCurrent: true,
      trafficRouting: false,
      featureHalt: undefined,
      ...row.inputs,
    };
    expect(computePhase(ctx, row.status, inputs)).toEqual({
      phase: row.phase,
      message: row.message,
    });
  });
});

describe("conditions (spec §2.2)", () => {
  it("keeps lastTransitionTime while the status value stays, and refreshes lastUpdateTime on progress", () => {
    const status: RolloutStatus = {};
    setCondition(
      status,
      { type: "Progressing", status: "True", reason: "ReplicaSetUpdated", message: "a" },
      "2026-01-01T00:00:00Z",
    );
    expect(
      setCondition(
        status,
        { type: "Progressing", status: "True", reason: "ReplicaSetUpdated", message: "a" },
        "2026-01-01T00:01:00Z",
      ),
    ).toBe(false);
    setCondition(
      status,
      { type: "Progressing", status: "True", reason: "ReplicaSetUpdated", message: "a" },
      "2026-01-01T00:02:00Z",
      true,
    );
    expect(status.conditions?.[0]).toMatchObject({
      lastUpdateTime: "2026-01-01T00:02:00Z",
      lastTransitionTime: "2026-01-01T00:00:00Z",
    });
    setCondition(
      status,
      { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: "b" },
      "2026-01-01T00:03:00Z",
    );
    expect(status.conditions?.[0]).toMatchObject({
      lastTransitionTime: "2026-01-01T00:03:00Z",
      status: "False",
    });
    expect(status.conditions).toHaveLength(1);
  });
});
