import { Capability, MeasurementPhase, WeightVerification } from "@sluice/proto";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { PluginError } from "./errors.js";
import { metricProviderHandlers } from "./metric-provider.js";
import { toJsonBytes } from "./request.js";
import { trafficRouterHandlers } from "./traffic-router.js";

const quiet = pino({ level: "silent" });
const rollout = toJsonBytes({ metadata: { name: "web" } });
const config = toJsonBytes({});
const weightRequest = { rollout, config, desiredWeight: 30, additionalDestinations: [] };

describe("traffic router defaults", () => {
  const minimal = trafficRouterHandlers(
    {
      name: "t/minimal",
      version: "1",
      setWeight: ({ desiredWeight }) => {
        if (desiredWeight === 50)
          throw new PluginError("ingress is being updated", { retryable: true });
      },
    },
    quiet,
  );

  it("answers NOT_IMPLEMENTED for VerifyWeight and declares no capability", async () => {
    expect((await minimal.verifyWeight(weightRequest)).verification).toBe(
      WeightVerification.NOT_IMPLEMENTED,
    );
    expect((await minimal.init()).capabilities).toEqual([]);
  });

  it("declines header and mirror routes with a reason, and accepts UpdateHash and RemoveManagedRoutes", async () => {
    const route = { name: "hdr", match: [] };
    expect((await minimal.setHeaderRoute({ rollout, config, route })).error?.message).toBe(
      "t/minimal does not support header routes (it does not declare CAPABILITY_HEADER_ROUTE); use a router that does, or remove the step from the Rollout",
    );
    expect((await minimal.setMirrorRoute({ rollout, config, route })).error?.message).toMatch(
      /mirror routes/,
    );
    const hashes = {
      rollout,
      config,
      canaryHash: "a",
      stableHash: "b",
      additionalDestinations: [],
    };
    expect((await minimal.updateHash(hashes)).error).toBeUndefined();
    expect((await minimal.removeManagedRoutes({ rollout, config })).error).toBeUndefined();
  });

  it("carries a PluginError's retryable flag into the reply", async () => {
    expect((await minimal.setWeight({ ...weightRequest, desiredWeight: 50 })).error).toEqual({
      message: "ingress is being updated",
      retryable: true,
    });
  });

  it("derives capabilities from the optional methods present", async () => {
    const full = trafficRouterHandlers(
      {
        name: "t/full",
        version: "1",
        capabilities: [Capability.ADDITIONAL_DESTINATIONS],
        setWeight: () => undefined,
        verifyWeight: () => WeightVerification.VERIFIED,
        setHeaderRoute: () => undefined,
        setMirrorRoute: () => undefined,
      },
      quiet,
    );
    expect((await full.init()).capabilities).toEqual([
      Capability.HEADER_ROUTE,
      Capability.MIRROR_ROUTE,
      Capability.VERIFY_WEIGHT,
      Capability.ADDITIONAL_DESTINATIONS,
    ]);
  });
});

describe("metric provider measurements", () => {
  const analysisRun = toJsonBytes({ metadata: { name: "run" } });
  const metric = toJsonBytes({ name: "m" });
  const resumeAt = new Date("2030-01-01T00:00:00Z");
  const h = metricProviderHandlers(
    {
      name: "m/test",
      version: "1",
      run: ({ metric: m }) => {
        if (m.name === "bad") return { phase: MeasurementPhase.UNSPECIFIED };
        if (m.name === "slow") return { phase: MeasurementPhase.RUNNING, resumeAt };
        return { phase: MeasurementPhase.SUCCESSFUL, value: "0.99" };
      },
    },
    quiet,
  );

  it("fills startedAt and, for a final phase, finishedAt", async () => {
    const { measurement } = await h.run({ analysisRun, metric, config });
    expect(measurement?.phase).toBe(MeasurementPhase.SUCCESSFUL);
    expect(measurement?.startedAt).toBeInstanceOf(Date);
    expect(measurement?.finishedAt).toBeInstanceOf(Date);
  });

  it("keeps a RUNNING measurement open with its resumeAt", async () => {
    const { measurement } = await h.run({
      analysisRun,
      metric: toJsonBytes({ name: "slow" }),
      config,
    });
    expect(measurement).toMatchObject({
      phase: MeasurementPhase.RUNNING,
      finishedAt: undefined,
      resumeAt,
    });
  });

  it("answers an error instead of a measurement without a phase", async () => {
    const reply = await h.run({ analysisRun, metric: toJsonBytes({ name: "bad" }), config });
    expect(reply.measurement).toBeUndefined();
    expect(reply.error?.message).toBe(
      "m/test Run returned a measurement without a valid phase (0)",
    );
  });

  it("terminates an in-flight measurement as INCONCLUSIVE by default, and declines Resume", async () => {
    const running = (await h.run({ analysisRun, metric: toJsonBytes({ name: "slow" }), config }))
      .measurement;
    const terminated = await h.terminate({ analysisRun, metric, config, measurement: running });
    expect(terminated.measurement).toMatchObject({
      phase: MeasurementPhase.INCONCLUSIVE,
      message: "Metric Terminated",
      startedAt: running?.startedAt,
    });
    const resumed = await h.resume({ analysisRun, metric, config, measurement: running });
    expect(resumed.error?.message).toMatch(/takes no asynchronous measurements/);
  });
});
