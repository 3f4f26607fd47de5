// The built sluice-plugin-web executable passes the SDK's conformance kit.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { formatReport, runConformance } from "@sluice/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
let server: http.Server;
let address = "";

beforeAll(async () => {
  // A stand-in endpoint so that Run measures something.
  server = http.createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end('{"data":{"ok":true}}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

it("passes the conformance kit", async () => {
  const report = await runConformance({
    kind: "metricprovider",
    command: [process.execPath, main],
    config: { url: `${address}/api`, jsonPath: "{$.data}" },
  });
  expect(report.failed, formatReport(report)).toBe(0);
  expect(report.passed).toBeGreaterThan(5);
});
