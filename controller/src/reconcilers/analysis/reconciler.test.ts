// One AnalysisRun pass against stand-ins for the cluster and the plugin: one provider call and
// one status write per measurement, and the next pass requeued for the moment the next
// measurement is due (spec §2.3, §2.11), however long the status write took.
import { MeasurementPhase } from "@sluice/sdk";
import pino from "pino";
import { describe, expect, it } from "vitest";
import type { PluginHost } from "../../plugins/host.js";
import type { EventRecorder } from "../../runtime/events.js";
import type { Informer } from "../../runtime/informer.js";
import type { KubeClient } from "../../runtime/kube.js";
import type { KubeObject } from "../../runtime/kube-resources.js";
import { analysisRunReconciler } from "./reconciler.js";

const T0 = Date.parse("2026-01-05T10:00:20.400Z");
const at = (second: number) => `2026-01-05T10:00:${String(second).padStart(2, "0")}Z`;

function runWith(measured: number): KubeObject {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "AnalysisRun",
    metadata: { name: "r", namespace: "ns", uid: "u1" },
    spec: {
      metrics: [
        {
          name: "ok",
          interval: "1s",
          provider: { web: { url: "http://127.0.0.1:1/" } },
        },
      ],
    },
    status: {
      phase: "Running",
      startedAt: at(0),
      metricResults: [
        {
          name: "ok",
          phase: "Running",
          count: measured,
          successful: measured,
          consecutiveSuccess: measured,
          measurements: Array.from({ length: Math.min(measured, 10) }, (_, i) => ({
            phase: "Successful",
            value: "1",
            startedAt: at(measured - Math.min(measured, 10) + i + 10),
            finishedAt: at(measured - Math.min(measured, 10) + i + 10),
          })),
        },
      ],
      runSummary: { count: 1 },
      dryRunSummary: {},
    },
  };
}

/** The reconciler's collaborators, recording what it asked of them; the clock is simulated. */
function harness(first: KubeObject, writeTakesMs: number, gcFails = false) {
  let clock = T0;
  let raw = first;
  const patches: unknown[] = [];
  const calls: string[] = [];
  const client = {
    patchWithoutResult: async (_type: unknown, _ns: unknown, _name: unknown, body: unknown) => {
      patches.push(body);
      clock += writeTakesMs;
    },
  };
  const reply = (method: string, value: object) => async () => {
    calls.push(method);
    clock += 20;
    return { ok: true, value };
  };
  const plugins = {
    metricProviderFor: () => ({
      run: reply("Run", {
        measurement: {
          phase: MeasurementPhase.SUCCESSFUL,
          value: "1",
          message: "",
          metadata: {},
          startedAt: new Date(clock),
          finishedAt: new Date(clock),
        },
      }),
      // What the host answers for a plugin without CAPABILITY_GARBAGE_COLLECT: no call.
      garbageCollect: async () =>
        gcFails
          ? {
              ok: false,
              error: {
                plugin: "sluice/web",
                method: "GarbageCollect",
                reason: "domain",
                message: "cannot delete",
                retryable: true,
              },
            }
          : { ok: true, value: {} },
      getMetadata: reply("GetMetadata", { metadata: {} }),
    }),
  };
  const reconcile = analysisRunReconciler({
    client: client as unknown as KubeClient,
    runs: { get: () => raw } as unknown as Informer,
    recorder: { event: () => {}, warning: () => {} } as unknown as EventRecorder,
    plugins: plugins as unknown as PluginHost,
    log: pino({ level: "silent" }),
    now: () => clock,
  });
  return {
    reconcile: () => reconcile("ns/r"),
    patches,
    calls,
    clock: () => clock,
    /** What the informer holds next (the run as the status write left it), and the time. */
    advance(next: KubeObject, toMs: number) {
      raw = next;
      clock = toMs;
    },
  };
}

describe("analysisRunReconciler", () => {
  it("records a due measurement with one status write and requeues for the next due time", async () => {
    // Ten measurements kept, the last finished at 10:00:19: the next one is due after 10:00:20.
    const h = harness(runWith(10), 300);
    const result = await h.reconcile();
    expect(h.calls).toEqual(["Run"]);
    expect(h.patches).toHaveLength(1);
    const written = h.patches[0] as {
      status: { metricResults: { count: number; measurements: { startedAt: string }[] }[] };
    };
    const [result0] = written.status.metricResults;
    expect(result0?.count).toBe(11);
    // Retention (10 by default): the oldest measurement went, the new one is last.
    expect(result0?.measurements).toHaveLength(10);
    expect(result0?.measurements.at(-1)?.startedAt).toBe(at(20));
    // Measured from 10:00:20.400 to 10:00:20.420 (finishedAt says 10:00:20): due just after
    // 10:00:21.420, one interval after the real finish, not after the whole second (which
    // would make every run measured in that second due at one instant). The 300 ms the status
    // write took are not added on top.
    const dueAt = T0 + 20 + 1000 + 1;
    expect(result).toEqual({ requeueAfterMs: dueAt - h.clock() });
  });

  it("keeps the measurements of runs finished in the same second apart: due one interval after the real finish", async () => {
    const h = harness(runWith(10), 300);
    await h.reconcile();
    // The status now says finishedAt 10:00:20 (the 11th measurement). At 10:00:21.200 a pass
    // planned from the status alone would measure (20 s + 1 s has passed); the real finish was
    // 10:00:20.420, so the next measurement waits until just after 10:00:21.420.
    h.advance(runWith(11), T0 + 800);
    expect(await h.reconcile()).toEqual({ requeueAfterMs: 20 + 1000 + 1 - 800 });
    expect(h.calls).toEqual(["Run"]);
    h.advance(runWith(11), T0 + 20 + 1000 + 1);
    await h.reconcile();
    expect(h.calls).toEqual(["Run", "Run"]);
  });

  it("keeps every measurement this pass when the provider's garbage collection fails", async () => {
    const h = harness(runWith(10), 300, true);
    await h.reconcile();
    const written = h.patches[0] as {
      status: { metricResults: { count: number; measurements: { startedAt: string }[] }[] };
    };
    const [result0] = written.status.metricResults;
    expect(result0?.count).toBe(11);
    // Retention is 10, but the GarbageCollect failure leaves all 11 (the oldest included).
    expect(result0?.measurements).toHaveLength(11);
    expect(result0?.measurements[0]?.startedAt).toBe(at(10));
    expect(result0?.measurements.at(-1)?.startedAt).toBe(at(20));
  });

  it("takes no measurement before it is due and writes nothing", async () => {
    const h = harness(runWith(21), 300);
    const result = await h.reconcile();
    expect(h.calls).toEqual([]);
    expect(h.patches).toEqual([]);
    // The last measurement finished at 10:00:30 (after the simulated now): due after 10:00:31.
    expect(result).toEqual({ requeueAfterMs: Date.parse(at(31)) + 1 - h.clock() });
  });
});
