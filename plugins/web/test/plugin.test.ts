// The built sluice-plugin-web executable takes measurements through gRPC.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { type PluginProcess, startPluginProcess } from "@sluice/provider-common";
import { MeasurementPhase } from "@sluice/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let server: http.Server;
let base = "";
let plugin: PluginProcess;
const authorizations: Array<string | undefined> = [];
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

beforeAll(async () => {
  server = http.createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    if (req.url === "/slow") return; // never answers
    if (req.url === "/missing") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end('{"data":{"successPercent":0.95,"ok":true}}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  plugin = await startPluginProcess([
    process.execPath,
    fileURLToPath(new URL("../dist/main.js", import.meta.url)),
  ]);
});

afterAll(async () => {
  await plugin.stop();
  server.closeAllConnections();
  server.close();
});

async function run(config: Record<string, unknown>) {
  const metric = { name: "webmetric", provider: { web: config } };
  return plugin.client.run({
    analysisRun: json({ metadata: { name: "run-1", namespace: "default" } }),
    metric: json(metric),
    config: json(config),
  });
}

describe("the sluice-plugin-web executable", () => {
  it("measures the JSON at jsonPath, sending the resolved secret header", async () => {
    const reply = await run({
      url: `${base}/api/v1/measurement?service=guestbook`,
      headers: [{ key: "Authorization", value: "Bearer resolved-secret" }],
      jsonPath: "{$.data}",
    });
    expect(reply.error).toBeUndefined();
    expect(reply.measurement?.phase).toBe(MeasurementPhase.SUCCESSFUL);
    expect(reply.measurement?.value).toBe('{"ok":true,"successPercent":0.95}');
    expect(authorizations.at(-1)).toBe("Bearer resolved-secret");
    // The header value never reaches the plugin's logs.
    expect(plugin.output()).not.toContain("resolved-secret");
  });

  it("answers an Error measurement with the reason when the endpoint fails", async () => {
    const reply = await run({ url: `${base}/missing` });
    expect(reply.error).toBeUndefined();
    expect(reply.measurement?.phase).toBe(MeasurementPhase.ERROR);
    expect(reply.measurement?.message).toBe("received non 2xx response code: 404");
  });

  it("ends a slow measurement before the controller's call deadline, as an Error measurement", async () => {
    const started = Date.now();
    const config = { url: `${base}/slow`, timeoutSeconds: 30 };
    const reply = await plugin.client.run(
      {
        analysisRun: json({ metadata: { name: "run-1", namespace: "default" } }),
        metric: json({ name: "webmetric", provider: { web: config } }),
        config: json(config),
      },
      { timeoutMs: 2_000 },
    );
    expect(reply.measurement?.phase).toBe(MeasurementPhase.ERROR);
    expect(reply.measurement?.message).toMatch(
      new RegExp(`^GET ${base}/slow: request timed out after \\d+(\\.\\d+)?s$`),
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("answers an error reply naming the field for an invalid configuration", async () => {
    const reply = await run({ url: base, method: "DELETE" });
    expect(reply.measurement).toBeUndefined();
    expect(reply.error?.message).toBe(
      'invalid configuration for sluice/web: provider.web.method must be GET, POST or PUT, got "DELETE"',
    );
  });
});
