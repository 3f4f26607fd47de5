// The patches each user action sends, compared with what the original's kubectl plugin sends.
import { describe, expect, it } from "vitest";
import type { Rollout } from "../api/rollout.js";
import { promote } from "./promote.js";
import { setImage } from "./set-image.js";
import { abort, pause, restart, resume, retry } from "./simple.js";
import { ActionError } from "./types.js";
import { undo } from "./undo.js";

function canary(status: Rollout["status"] = {}, spec: Partial<Rollout["spec"]> = {}): Rollout {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web", namespace: "default", uid: "uid-1" },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          initContainers: [{ name: "init", image: "busybox:1" }],
          containers: [
            { name: "web", image: "web:2" },
            { name: "proxy", image: "envoy:1" },
          ],
        },
      },
      strategy: {
        canary: {
          steps: [
            { setWeight: 20 },
            { pause: {} },
            { analysis: { templates: [{ templateName: "t" }] } },
            { setWeight: 80 },
          ],
        },
      },
      ...spec,
    },
    status: { currentPodHash: "new", stableRS: "old", ...status },
  };
}

const blueGreen = (status: Rollout["status"] = {}): Rollout => ({
  ...canary(status),
  spec: { ...canary().spec, strategy: { blueGreen: { activeService: "active" } } },
});

const paused = [{ reason: "CanaryPauseStep", startTime: "2026-01-01T00:00:00Z" }];

describe("promote", () => {
  it("clears pause conditions through the status subresource", () => {
    expect(
      promote(canary({ currentStepIndex: 1, pauseConditions: paused, controllerPause: true }))
        .patches,
    ).toEqual([
      { subresource: "status", patchType: "merge", body: { status: { pauseConditions: null } } },
    ]);
  });

  it("also unpauses spec.paused, in a second patch", () => {
    expect(
      promote(canary({ currentStepIndex: 1, pauseConditions: paused }, { paused: true })).patches,
    ).toEqual([
      { subresource: "status", patchType: "merge", body: { status: { pauseConditions: null } } },
      { patchType: "merge", body: { spec: { paused: false } } },
    ]);
  });

  it("skips the current step when nothing is paused (mid analysis or setWeight)", () => {
    expect(promote(canary({ currentStepIndex: 2 })).patches).toEqual([
      { subresource: "status", patchType: "merge", body: { status: { currentStepIndex: 3 } } },
    ]);
    expect(promote(canary({})).patches[0]?.body).toEqual({ status: { currentStepIndex: 1 } });
    expect(promote(canary({ currentStepIndex: 4 })).patches[0]?.body).toEqual({
      status: { currentStepIndex: 4 },
    });
  });

  it("accepts an inconclusive step analysis by clearing the pause and moving on (§4.6)", () => {
    const r = canary({
      currentStepIndex: 2,
      pauseConditions: [{ reason: "InconclusiveAnalysisRun", startTime: "2026-01-01T00:00:00Z" }],
      controllerPause: true,
      canary: { currentStepAnalysisRunStatus: { name: "web-x-2-2", status: "Inconclusive" } },
    });
    expect(promote(r).patches).toEqual([
      {
        subresource: "status",
        patchType: "merge",
        body: { status: { pauseConditions: null, controllerPause: false, currentStepIndex: 3 } },
      },
    ]);
  });

  it("promotes a paused blue-green rollout by clearing its pause condition", () => {
    const r = blueGreen({
      pauseConditions: [{ reason: "BlueGreenPause", startTime: "2026-01-01T00:00:00Z" }],
    });
    expect(promote(r).patches).toEqual([
      { subresource: "status", patchType: "merge", body: { status: { pauseConditions: null } } },
    ]);
    expect(promote(blueGreen()).patches).toEqual([]);
  });

  it("--full sets status.promoteFull unless already promoted", () => {
    expect(promote(canary({ currentStepIndex: 1 }), { full: true }).patches).toEqual([
      { subresource: "status", patchType: "merge", body: { status: { promoteFull: true } } },
    ]);
    const done = promote(canary({ currentPodHash: "h", stableRS: "h" }), { full: true });
    expect(done.patches).toEqual([]);
    expect(done.message).toContain("already fully promoted");
  });

  it("--skip-current-step and --skip-all-steps set the step index", () => {
    expect(
      promote(canary({ currentStepIndex: 1 }), { skipCurrentStep: true }).patches[0]?.body,
    ).toEqual({
      status: { currentStepIndex: 2 },
    });
    expect(
      promote(canary({ currentStepIndex: 1 }), { skipAllSteps: true }).patches[0]?.body,
    ).toEqual({
      status: { currentStepIndex: 4 },
    });
    expect(() => promote(blueGreen(), { skipAllSteps: true })).toThrow(
      "Skip flags are not supported for BlueGreen Rollouts",
    );
    expect(() =>
      promote(canary({}, { strategy: { canary: {} } }), { skipCurrentStep: true }),
    ).toThrow("Skip flags are not supported for Canary Rollouts without steps");
    expect(() => promote(canary(), { full: true, skipAllSteps: true })).toThrow(ActionError);
  });
});

describe("abort, retry, pause, resume, restart", () => {
  it("abort and retry toggle status.abort through the status subresource", () => {
    expect(abort().patches).toEqual([
      { subresource: "status", patchType: "merge", body: { status: { abort: true } } },
    ]);
    expect(retry().patches).toEqual([
      { subresource: "status", patchType: "merge", body: { status: { abort: false } } },
    ]);
  });

  it("pause and resume set spec.paused", () => {
    expect(pause().patches).toEqual([{ patchType: "merge", body: { spec: { paused: true } } }]);
    expect(resume().patches).toEqual([{ patchType: "merge", body: { spec: { paused: false } } }]);
  });

  it("restart sets spec.restartAt to now (or now + delay) in RFC 3339 seconds", () => {
    const now = new Date("2026-03-04T05:06:07.890Z");
    expect(restart(now).patches).toEqual([
      { patchType: "merge", body: { spec: { restartAt: "2026-03-04T05:06:07Z" } } },
    ]);
    expect(restart(now, 90).patches[0]?.body).toEqual({
      spec: { restartAt: "2026-03-04T05:07:37Z" },
    });
    expect(() => restart(now, -1)).toThrow(ActionError);
  });
});

describe("set image", () => {
  it("replaces the named container's image with a guarded JSON patch", () => {
    expect(setImage(canary(), "proxy", "envoy:2").patches).toEqual([
      {
        patchType: "json",
        body: [
          { op: "test", path: "/spec/template/spec/containers/1/name", value: "proxy" },
          { op: "replace", path: "/spec/template/spec/containers/1/image", value: "envoy:2" },
        ],
      },
    ]);
  });

  it("`*` sets every container, init containers included", () => {
    const ops = setImage(canary(), "*", "same:1").patches[0]?.body;
    expect(ops).toEqual([
      { op: "test", path: "/spec/template/spec/initContainers/0/name", value: "init" },
      { op: "replace", path: "/spec/template/spec/initContainers/0/image", value: "same:1" },
      { op: "test", path: "/spec/template/spec/containers/0/name", value: "web" },
      { op: "replace", path: "/spec/template/spec/containers/0/image", value: "same:1" },
      { op: "test", path: "/spec/template/spec/containers/1/name", value: "proxy" },
      { op: "replace", path: "/spec/template/spec/containers/1/image", value: "same:1" },
    ]);
  });

  it("says which container is missing", () => {
    expect(() => setImage(canary(), "db", "pg:16")).toThrow('unable to find container named "db"');
  });
});

describe("undo", () => {
  const rs = (revision: string, image: string, extra: Record<string, string> = {}) => ({
    metadata: {
      name: `web-${revision}`,
      annotations: { "rollout.argoproj.io/revision": revision, team: `t${revision}`, ...extra },
      ownerReferences: [
        {
          apiVersion: "argoproj.io/v1alpha1",
          kind: "Rollout",
          name: "web",
          uid: "uid-1",
          controller: true,
        },
      ],
    },
    spec: {
      template: {
        metadata: {
          labels: { app: "web", "rollouts-pod-template-hash": `h${revision}` } as Record<
            string,
            string
          >,
        },
        spec: { containers: [{ name: "web", image }] },
      },
    },
  });
  const current = (): Rollout => {
    const r = canary();
    r.metadata.annotations = {
      "rollout.argoproj.io/revision": "3",
      team: "t3",
      "kubectl.kubernetes.io/last-applied-configuration": "{}",
    };
    r.spec.template = {
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "web", image: "web:3" }] },
    };
    return r;
  };
  const history = [
    rs("1", "web:1"),
    rs("2", "web:2"),
    rs("3", "web:3"),
    { metadata: { name: "stranger" } },
  ];

  it("restores the previous revision's template and annotations with the original's JSON patch", () => {
    expect(undo(current(), history).patches).toEqual([
      {
        patchType: "json",
        body: [
          {
            op: "replace",
            path: "/spec/template",
            value: {
              metadata: { labels: { app: "web" } },
              spec: { containers: [{ name: "web", image: "web:2" }] },
            },
          },
          {
            op: "replace",
            path: "/metadata/annotations",
            value: {
              "rollout.argoproj.io/revision": "3",
              "kubectl.kubernetes.io/last-applied-configuration": "{}",
              team: "t2",
            },
          },
        ],
      },
    ]);
  });

  it("goes to a given revision, and strips injected ephemeral labels", () => {
    const withEphemeral = rs("1", "web:1", {
      "rollout.argoproj.io/ephemeral-metadata": '{"labels":{"role":"canary"}}',
    });
    withEphemeral.spec.template.metadata.labels = {
      ...withEphemeral.spec.template.metadata.labels,
      role: "canary",
    };
    const patch = undo(current(), [withEphemeral, rs("3", "web:3")], 1).patches[0];
    expect(patch?.body).toMatchObject([
      { op: "replace", path: "/spec/template", value: { metadata: { labels: { app: "web" } } } },
      { op: "replace", path: "/metadata/annotations" },
    ]);
  });

  it("skips when the current template already matches, and names missing revisions", () => {
    const plan = undo(current(), history, 3);
    expect(plan).toEqual({
      patches: [],
      message: "skipped rollback (current template already matches revision 3)",
    });
    expect(() => undo(current(), history, 7)).toThrow(
      "unable to find specified revision 7 in history",
    );
    expect(() => undo(current(), [rs("3", "web:3")])).toThrow(
      'no revision found for rollout "web"',
    );
  });
});
