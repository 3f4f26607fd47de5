// The Prometheus provider against a real Prometheus (Debian's package), served over TLS with
// basic auth, scraping an app whose metrics the test sets.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startPluginProcess } from "@sluice/provider-common";
import { MeasurementPhase } from "@sluice/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { measurePrometheus, parsePrometheusConfig } from "../src/index.js";
import { MetricsApp, PrometheusServer, waitFor } from "./prometheus-server.js";

const fixtures = new URL("../../provider-common/test/fixtures/", import.meta.url);
// bcrypt (cost 4, for speed) of "test-password", as Prometheus' web config wants it.
const PASSWORD_HASH = "$2b$04$abcdefghijklmnopqrstuuobFaEJANklW4I6zZpcLRbXjrME4Qa2m";

const app = new MetricsApp();
const prometheus = new PrometheusServer();
let address = "";

function config(query: string, extra: Record<string, unknown> = {}) {
  return parsePrometheusConfig(
    {
      address,
      query,
      insecure: true,
      timeout: 10,
      authentication: { basicAuth: { username: "sluice", password: "test-password" } },
      ...extra,
    },
    {},
  );
}

/** Measures until the result is what the test expects (the scrape is asynchronous). */
async function measureUntil(query: string, expected: unknown) {
  return waitFor(
    `${query} to give ${JSON.stringify(expected)}`,
    async () => {
      const outcome = await measurePrometheus(config(query));
      return JSON.stringify(outcome.result) === JSON.stringify(expected)
        ? { done: true, value: outcome }
        : {
            done: false,
            seen: `${outcome.value} (prometheus says: ${prometheus.recentOutput.slice(-300)})`,
          };
    },
    30_000,
  );
}

beforeAll(async () => {
  app.gauges.set("sluice_test_success_ratio", 0.97);
  app.gauges.set("sluice_test_constant", 7);
  await app.start();
  await prometheus.start({
    targetPort: app.port,
    webConfig: [
      "tls_server_config:",
      "  cert_file: tls.crt",
      "  key_file: tls.key",
      "basic_auth_users:",
      `  sluice: ${PASSWORD_HASH}`,
      "",
    ].join("\n"),
    files: {
      "tls.crt": readFileSync(new URL("test-only-localhost.crt", fixtures), "utf8"),
      "tls.key": readFileSync(new URL("test-only-localhost.key", fixtures), "utf8"),
    },
  });
  address = `https://127.0.0.1:${prometheus.port}`;
  // Ready once the first scrape has landed.
  await measureUntil("sluice_test_constant", [7]);
}, 120_000);

afterAll(async () => {
  await prometheus.stop();
  await app.stop();
});

describe("Prometheus provider against a real Prometheus", () => {
  it("measures the value the app exposes, as the spec's result and value", async () => {
    const outcome = await measureUntil("sluice_test_success_ratio", [0.97]);
    expect(outcome.value).toBe("[0.97]");
  });

  it("follows the app's metric when it changes", async () => {
    app.gauges.set("sluice_test_success_ratio", 0.42);
    const outcome = await measureUntil("sluice_test_success_ratio", [0.42]);
    expect(outcome.value).toBe("[0.42]");
  });

  it("gives [] for a selector that matches nothing", async () => {
    const outcome = await measurePrometheus(config('sluice_test_success_ratio{job="nope"}'));
    expect(outcome).toEqual({ value: "[]", result: [] });
  });

  it("reads a scalar", async () => {
    const outcome = await measurePrometheus(config("scalar(sluice_test_constant)"));
    expect(outcome).toEqual({ value: "7", result: 7 });
  });

  it("keeps NaN", async () => {
    app.gauges.set("sluice_test_nan", Number.NaN);
    const outcome = await waitFor(
      "the NaN gauge to be scraped",
      async () => {
        const o = await measurePrometheus(config("sluice_test_nan"));
        return o.value === "[]" ? { done: false, seen: o.value } : { done: true, value: o };
      },
      30_000,
    );
    expect(outcome.value).toBe("[NaN]");
    expect(outcome.result).toEqual([Number.NaN]);
  });

  it("runs a range query and flattens its samples", async () => {
    const outcome = await measurePrometheus(
      config("sluice_test_constant", {
        rangeQuery: { start: 'now() - duration("3s")', end: "now()", step: "1s" },
      }),
    );
    expect(Array.isArray(outcome.result)).toBe(true);
    const samples = outcome.result as number[];
    expect(samples.length).toBeGreaterThanOrEqual(1);
    expect(samples.every((v) => v === 7)).toBe(true);
    expect(outcome.value).toBe(`[${samples.join(",")}]`);
  });

  it("reports a query that does not parse with Prometheus' own message", async () => {
    await expect(measurePrometheus(config("sum(rate(http_requests_total[5m]"))).rejects.toThrow(
      /^bad_data: .*parse error/,
    );
  });

  it("refuses the self-signed certificate unless insecure is set", async () => {
    await expect(measurePrometheus(config("up", { insecure: false }))).rejects.toThrow(
      `Prometheus query failed: POST ${address}/api/v1/query: self-signed certificate`,
    );
  });

  it("is refused without the right password", async () => {
    await expect(
      measurePrometheus(
        config("up", { authentication: { basicAuth: { username: "sluice", password: "wrong" } } }),
      ),
    ).rejects.toThrow(/^client_error: client error: 401/);
  });
});

describe("the sluice-plugin-prometheus executable", () => {
  it("takes a real measurement through gRPC", async () => {
    app.gauges.set("sluice_test_grpc", 0.88);
    await measureUntil("sluice_test_grpc", [0.88]);
    const plugin = await startPluginProcess([
      process.execPath,
      fileURLToPath(new URL("../dist/main.js", import.meta.url)),
    ]);
    try {
      const config = {
        address,
        query: "sluice_test_grpc",
        insecure: true,
        authentication: { basicAuth: { username: "sluice", password: "test-password" } },
      };
      const metric = { name: "success-rate", provider: { prometheus: config } };
      const json = (value: unknown) => Buffer.from(JSON.stringify(value));
      const init = await plugin.client.init({ controllerVersion: "test" });
      expect(init.name).toBe("sluice/prometheus");

      const reply = await plugin.client.run(
        {
          analysisRun: json({ metadata: { name: "run-1", namespace: "default" } }),
          metric: json(metric),
          config: json(config),
        },
        { timeoutMs: 15_000 },
      );
      expect(reply.error).toBeUndefined();
      expect(reply.measurement?.phase).toBe(MeasurementPhase.SUCCESSFUL);
      expect(reply.measurement?.value).toBe("[0.88]");
      expect(reply.measurement?.startedAt).toBeInstanceOf(Date);
      expect(reply.measurement?.finishedAt).toBeInstanceOf(Date);

      const metadata = await plugin.client.getMetadata({
        metric: json(metric),
        config: json(config),
      });
      expect(metadata.metadata).toEqual({ ResolvedPrometheusQuery: "sluice_test_grpc" });

      // The logs never carry the password.
      expect(plugin.output()).not.toContain("test-password");
    } finally {
      const exit = await plugin.stop();
      expect(exit.code).toBe(0);
    }
  });
});
