// The shared HTTP-provider plugin served in-process over gRPC: the metric's conditions decide
// the phase (spec §2.5), failures become Error measurements, Terminate keeps a final
// measurement, Resume is declined, and the condition language is compiled once per expression.
import {
  Capability,
  connectMetricProvider,
  createPluginLogger,
  MeasurementPhase,
  type MetricProviderClient,
  type PluginServerHandle,
  serveMetricProvider,
} from "@sluice/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adaptConditionLanguage, type ConditionLanguage } from "../src/condition-language.js";
import { ConfigReader } from "../src/config.js";
import { MeasurementError } from "../src/measurement.js";
import { httpMetricProvider } from "../src/plugin.js";

// A stand-in condition language: `result > N`, `result < N`, anything else fails to compile.
const compiled: string[] = [];
const language: ConditionLanguage = {
  compileCondition(expression) {
    compiled.push(expression);
    const match = /^result ([<>]) (\d+(?:\.\d+)?)$/.exec(expression);
    if (!match) return { ok: false, error: { message: `syntax error at 1:1 in ${expression}` } };
    const bound = Number(match[2]);
    const greater = match[1] === ">";
    return {
      ok: true,
      program: {
        evaluate: ({ result }) =>
          typeof result === "number"
            ? { ok: true, value: greater ? result > bound : result < bound }
            : { ok: false, error: { message: "invalid operation on nil" } },
      },
    };
  },
  expectBool: (outcome) =>
    !outcome.ok
      ? outcome
      : typeof outcome.value === "boolean"
        ? { ok: true, value: outcome.value }
        : { ok: false, error: { message: "expected bool" } },
};

let server: PluginServerHandle;
let client: MetricProviderClient;
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

beforeAll(async () => {
  const conditions = { evaluate: adaptConditionLanguage(language), source: "test" };
  const plugin = httpMetricProvider<{ value: number | null; fail?: string }>({
    name: "test/constant",
    version: "1.0.0",
    parseConfig: (raw) => {
      const reader = ConfigReader.root(raw, "provider.constant").allowOnly(["value", "fail"]);
      const value = reader.raw("value");
      return { value: typeof value === "number" ? value : null, fail: reader.string("fail") };
    },
    async measure({ config }) {
      if (config.fail) throw new MeasurementError(config.fail);
      return {
        value: String(config.value),
        result: config.value,
        metadata: { source: "constant" },
      };
    },
    getMetadata: (config) => ({ configured: String(config.value) }),
    conditions: async () => conditions,
  });
  server = await serveMetricProvider(plugin, {
    listen: "127.0.0.1:0",
    handleSignals: false,
    logger: createPluginLogger("test/constant", { SLUICE_LOG_LEVEL: "silent" }),
  });
  client = connectMetricProvider(server.address);
});

afterAll(async () => {
  client.close();
  await server.close();
});

async function run(config: Record<string, unknown>, conditions: Record<string, string> = {}) {
  const reply = await client.run({
    analysisRun: json({ metadata: { name: "r", namespace: "n" } }),
    metric: json({ name: "m", ...conditions, provider: { plugin: { "test/constant": config } } }),
    config: json(config),
  });
  return reply;
}

describe("httpMetricProvider over gRPC", () => {
  it.each([
    [0.97, {}, MeasurementPhase.SUCCESSFUL],
    [0.97, { successCondition: "result > 0.95" }, MeasurementPhase.SUCCESSFUL],
    [0.9, { successCondition: "result > 0.95" }, MeasurementPhase.FAILED],
    [12, { failureCondition: "result > 10" }, MeasurementPhase.FAILED],
    [
      5,
      { successCondition: "result > 10", failureCondition: "result < 1" },
      MeasurementPhase.INCONCLUSIVE,
    ],
    [
      0.5,
      { successCondition: "result > 0.1", failureCondition: "result < 1" },
      MeasurementPhase.FAILED,
    ],
  ])("value %d with %j is %s", async (value, conditions, phase) => {
    const reply = await run({ value }, conditions);
    expect(reply.error).toBeUndefined();
    expect(reply.measurement?.phase).toBe(phase);
    expect(reply.measurement?.value).toBe(String(value));
    expect(reply.measurement?.metadata).toEqual({ source: "constant" });
    expect(reply.measurement?.finishedAt).toBeInstanceOf(Date);
  });

  it("makes an Error measurement of a condition that does not compile or a nil result", async () => {
    const bad = await run({ value: 1 }, { successCondition: "result >> 1" });
    expect(bad.measurement?.phase).toBe(MeasurementPhase.ERROR);
    expect(bad.measurement?.message).toBe(
      'could not evaluate successCondition "result >> 1": syntax error at 1:1 in result >> 1',
    );
    const nil = await run({ value: null }, { successCondition: "result > 1" });
    expect(nil.measurement?.message).toBe(
      'could not evaluate successCondition "result > 1": metric result is nil or empty: no data returned from the metric provider',
    );
  });

  it("compiles each expression once", async () => {
    compiled.length = 0;
    for (let i = 0; i < 3; i++) await run({ value: 2 }, { successCondition: "result > 1.5" });
    expect(compiled).toEqual(["result > 1.5"]);
  });

  it("makes an Error measurement with the provider's message when the measurement fails", async () => {
    const reply = await run({ fail: "received non 2xx response code: 500" });
    expect(reply.measurement?.phase).toBe(MeasurementPhase.ERROR);
    expect(reply.measurement?.message).toBe("received non 2xx response code: 500");
  });

  it("keeps a final measurement on Terminate and declines Resume", async () => {
    const { measurement } = await run({ value: 3 });
    if (!measurement) throw new Error("no measurement");
    const terminated = await client.terminate({
      analysisRun: json({}),
      metric: json({ name: "m" }),
      config: json({ value: 3 }),
      measurement,
    });
    expect(terminated.measurement?.phase).toBe(MeasurementPhase.SUCCESSFUL);
    expect(terminated.measurement?.value).toBe("3");
    const resumed = await client.resume({
      analysisRun: json({}),
      metric: json({ name: "m" }),
      config: json({ value: 3 }),
      measurement,
    });
    expect(resumed.error?.message).toMatch(/takes no asynchronous measurements/);
  });

  it("declares no garbage collection (the controller may skip it) yet answers it", async () => {
    const init = await client.init({ controllerVersion: "test" });
    expect(init.capabilities).not.toContain(Capability.GARBAGE_COLLECT);
    expect(init.capabilities).not.toContain(Capability.ASYNC_MEASUREMENT);
  });

  it("answers GetMetadata and a no-op GarbageCollect", async () => {
    const metadata = await client.getMetadata({
      metric: json({ name: "m" }),
      config: json({ value: 4 }),
    });
    expect(metadata.metadata).toEqual({ configured: "4" });
    const gc = await client.garbageCollect({
      analysisRun: json({}),
      metric: json({}),
      config: json({ value: 4 }),
      limit: 3,
    });
    expect(gc.error).toBeUndefined();
  });
});
