// The built sluice-plugin-datadog executable takes a measurement through gRPC with keys from
// its environment, never logging them.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { startPluginProcess } from "@sluice/provider-common";
import { MeasurementPhase } from "@sluice/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";

let server: http.Server;
let base = "";
const keys: Array<string | undefined> = [];
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

beforeAll(async () => {
  server = http.createServer((req, res) => {
    keys.push(req.headers["dd-api-key"] as string | undefined);
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(
      '{"data":{"attributes":{"columns":[{"name":"resource_name","type":"group","values":[["GET /a"],["GET /b"]]},{"name":"query","type":"number","values":[0.01,0.087]}]}}}',
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

it("takes a v2 measurement through gRPC with keys from the environment", async () => {
  const plugin = await startPluginProcess(
    [process.execPath, fileURLToPath(new URL("../dist/main.js", import.meta.url))],
    {
      env: { DD_API_KEY: "env-api-key-secret", DD_APP_KEY: "env-app-key-secret", DD_ADDRESS: base },
    },
  );
  try {
    const config = { apiVersion: "v2", query: "avg:latency{*} by {resource_name}" };
    const reply = await plugin.client.run({
      analysisRun: json({ metadata: { name: "run-1", namespace: "team-a" } }),
      metric: json({ name: "latency", provider: { datadog: config } }),
      config: json(config),
    });
    expect(reply.error).toBeUndefined();
    expect(reply.measurement?.phase).toBe(MeasurementPhase.SUCCESSFUL);
    expect(reply.measurement?.value).toBe("[0.01,0.087]");
    expect(reply.measurement?.metadata).toEqual({
      groups: '[{"name":"GET /a","value":0.01},{"name":"GET /b","value":0.087}]',
    });
    expect(keys).toEqual(["env-api-key-secret"]);
    expect(plugin.output()).not.toContain("env-api-key-secret");
    expect(plugin.output()).not.toContain("env-app-key-secret");
  } finally {
    expect((await plugin.stop()).code).toBe(0);
  }
});
