import { describe, expect, it } from "vitest";
import { analysisRunCounts, currentSetWeight, rolloutInfo, rolloutStatus } from "./info.js";
import { renderRollout } from "./render.js";

const created = "2026-01-01T00:00:00Z";
const owner = (uid: string) => [{ uid, kind: "x", name: "x", apiVersion: "v1" }];

const rollout = {
  metadata: {
    name: "web",
    namespace: "shop",
    uid: "ro",
    generation: 3,
    creationTimestamp: created,
  },
  spec: {
    replicas: 2,
    strategy: {
      canary: { steps: [{ setWeight: 25 }, { pause: {} }, { analysis: {} }, { setWeight: 75 }] },
    },
  },
  status: {
    observedGeneration: "3",
    phase: "Paused",
    message: "CanaryPauseStep",
    currentStepIndex: 2,
    stableRS: "aaa",
    currentPodHash: "bbb",
    replicas: 2,
    updatedReplicas: 1,
    readyReplicas: 2,
    availableReplicas: 2,
  },
};

const rs = (hash: string, revision: string, replicas: number, image: string) => ({
  metadata: {
    name: `web-${hash}`,
    uid: `rs-${hash}`,
    labels: { "rollouts-pod-template-hash": hash },
    annotations: { "rollout.argoproj.io/revision": revision },
    ownerReferences: owner("ro"),
    creationTimestamp: created,
  },
  spec: { replicas, template: { spec: { containers: [{ name: "app", image }] } } },
  status: { readyReplicas: replicas, availableReplicas: replicas },
});

const pod = (hash: string, n: number, ready: boolean) => ({
  metadata: {
    name: `web-${hash}-${n}`,
    ownerReferences: owner(`rs-${hash}`),
    creationTimestamp: created,
  },
  spec: { containers: [{ name: "app" }] },
  status: {
    phase: ready ? "Running" : "Pending",
    containerStatuses: [{ ready, restartCount: ready ? 0 : 2 }],
  },
});

const run = {
  metadata: {
    name: "web-bbb-2-2",
    labels: { "rollouts-pod-template-hash": "bbb" },
    ownerReferences: owner("ro"),
    creationTimestamp: created,
  },
  status: {
    phase: "Failed",
    metricResults: [
      { successful: 2, failed: 1 },
      { failed: 1, error: 1 },
    ],
  },
};

describe("rolloutInfo", () => {
  it("builds the header and the revision tree the way get rollout prints them", () => {
    const info = rolloutInfo(rollout, {
      replicaSets: [rs("aaa", "1", 1, "app:v1"), rs("bbb", "2", 1, "app:v2")],
      pods: [pod("aaa", 1, true), pod("bbb", 1, false)],
      analysisRuns: [run],
      experiments: [],
    });
    const text = renderRollout(info, { colour: false, now: new Date("2026-01-01T00:03:05Z") });
    expect(text).toBe(`Name:            web
Namespace:       shop
Status:          ॥ Paused
Message:         CanaryPauseStep
Strategy:        Canary
  Step:          2/4
  SetWeight:     25
  ActualWeight:  50
Images:          app:v1 (stable)
                 app:v2 (canary)
Replicas:
  Desired:       2
  Current:       2
  Updated:       1
  Ready:         2
  Available:     2

NAME                  KIND         STATUS     AGE   INFO
⟳ web                 Rollout      ॥ Paused   3m5s
├──# revision:2
│  ├──⧉ web-bbb       ReplicaSet   ✔ Healthy  3m5s  canary
│  │  └──□ web-bbb-1  Pod          ◌ Pending  3m5s  ready:0/1,restarts:2
│  └──α web-bbb-2-2   AnalysisRun  ✖ Failed   3m5s  ✔ 2,✖ 2,⚠ 1
└──# revision:1
   └──⧉ web-aaa       ReplicaSet   ✔ Healthy  3m5s  stable
      └──□ web-aaa-1  Pod          ✔ Running  3m5s  ready:1/1
`);
  });

  it("colours statuses only when asked", () => {
    const info = rolloutInfo(rollout, {
      replicaSets: [],
      pods: [],
      analysisRuns: [],
      experiments: [],
    });
    expect(renderRollout(info, { colour: true, now: new Date() })).toContain(
      "\x1b[33m॥ Paused\x1b[0m",
    );
    expect(renderRollout(info, { colour: false, now: new Date() })).not.toContain("\x1b");
  });
});

describe("rolloutStatus", () => {
  it("is Progressing until the controller has seen the current generation", () => {
    expect(rolloutStatus({ ...rollout, metadata: { ...rollout.metadata, generation: 4 } })).toEqual(
      {
        phase: "Progressing",
        message: "waiting for rollout spec update to be observed",
      },
    );
    expect(rolloutStatus(rollout)).toEqual({ phase: "Paused", message: "CanaryPauseStep" });
  });
});

describe("currentSetWeight", () => {
  it("is the latest setWeight at or before the current step, 100 past the last step", () => {
    const at = (currentStepIndex: number) => ({
      ...rollout,
      status: { ...rollout.status, currentStepIndex },
    });
    expect(currentSetWeight(at(0))).toBe(25);
    expect(currentSetWeight(at(3))).toBe(75);
    expect(currentSetWeight(at(4))).toBe(100);
  });
});

describe("analysisRunCounts", () => {
  it("leaves out kinds of result that did not happen", () => {
    expect(analysisRunCounts({ status: { metricResults: [{ successful: 3 }] } })).toBe("✔ 3");
    expect(analysisRunCounts({})).toBe("");
  });
});
