// What the Prometheus provider sends, checked field by field on a loopback server that plays
// Prometheus' HTTP API (and an OAuth2 token endpoint): the form body, headers, the GET
// fallback on 405/501, the bearer token, the timeout.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { clearOAuth2TokenCache } from "@sluice/provider-common";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { measurePrometheus, parsePrometheusConfig } from "../src/index.js";

interface Seen {
  method: string;
  path: string;
  query: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const seen: Seen[] = [];
let refusePost = 0; // status to answer POSTs with, 0 = accept
let base = "";
let server: http.Server;
const vector =
  '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"0.5"]}]}}';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      seen.push({
        method: req.method ?? "",
        path: url.pathname,
        query: url.search,
        headers: req.headers,
        body,
      });
      if (url.pathname === "/token") {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end('{"access_token":"tok-123","token_type":"Bearer","expires_in":3600}');
        return;
      }
      if (url.pathname.endsWith("/slow/api/v1/query")) return; // never answers
      if (req.method === "POST" && refusePost !== 0) {
        res.writeHead(refusePost).end();
        return;
      }
      res.writeHead(200, { "Content-Type": "application/json" }).end(vector);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

beforeEach(() => {
  seen.length = 0;
  refusePost = 0;
  clearOAuth2TokenCache();
});

const now = () => 1767607200500;

describe("Prometheus requests", () => {
  it("posts the form with its content type, the metric's headers and basic auth", async () => {
    const outcome = await measurePrometheus(
      parsePrometheusConfig(
        {
          address: `${base}/prefix`,
          query: 'up{job="api"}',
          headers: [
            { key: "X-Scope-OrgID", value: "team-a" },
            { key: "x-scope-orgid", value: "team-b" },
          ],
          authentication: { basicAuth: { username: "user", password: "pass" } },
        },
        {},
      ),
      { now },
    );
    expect(outcome).toEqual({ value: "[0.5]", result: [0.5] });
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/prefix/api/v1/query");
    expect(request?.query).toBe("");
    expect(request?.body).toBe("query=up%7Bjob%3D%22api%22%7D&time=1767607200.5");
    expect(request?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(request?.headers["x-scope-orgid"]).toBe("team-b");
    expect(request?.headers.authorization).toBe(
      `Basic ${Buffer.from("user:pass").toString("base64")}`,
    );
  });

  it.each([405, 501])("repeats the query as a GET when POST is answered %d", async (status) => {
    refusePost = status;
    const outcome = await measurePrometheus(
      parsePrometheusConfig(
        { address: base, query: "up", headers: [{ key: "X-A", value: "1" }] },
        {},
      ),
      { now },
    );
    expect(outcome.result).toEqual([0.5]);
    expect(seen.map((s) => s.method)).toEqual(["POST", "GET"]);
    expect(seen[1]?.path).toBe("/api/v1/query");
    expect(seen[1]?.query).toBe("?query=up&time=1767607200.5");
    expect(seen[1]?.body).toBe("");
    expect(seen[1]?.headers["x-a"]).toBe("1");
  });

  it("fetches an OAuth2 client-credentials token and sends it as a bearer", async () => {
    const config = parsePrometheusConfig(
      {
        address: base,
        query: "up",
        authentication: {
          oauth2: {
            tokenUrl: `${base}/token`,
            clientId: "id",
            clientSecret: "secret",
            scopes: ["read", "metrics"],
          },
        },
      },
      {},
    );
    await measurePrometheus(config, { now });
    await measurePrometheus(config, { now });
    const token = seen.filter((s) => s.path === "/token");
    // The token is reused while it is valid.
    expect(token).toHaveLength(1);
    expect(token[0]?.body).toBe("grant_type=client_credentials&scope=read+metrics");
    expect(token[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from("id:secret").toString("base64")}`,
    );
    const queries = seen.filter((s) => s.path === "/api/v1/query");
    expect(queries.map((q) => q.headers.authorization)).toEqual([
      "Bearer tok-123",
      "Bearer tok-123",
    ]);
  });

  it("gives up at the metric's timeout", async () => {
    const started = Date.now();
    await expect(
      measurePrometheus(
        parsePrometheusConfig({ address: `${base}/slow`, query: "up", timeout: 1 }, {}),
      ),
    ).rejects.toThrow(
      `Prometheus query failed: POST ${base}/slow/api/v1/query: request timed out after 1s`,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("says so when Prometheus cannot be reached", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(
      measurePrometheus(
        parsePrometheusConfig({ address: `http://127.0.0.1:${port}`, query: "up" }, {}),
      ),
    ).rejects.toThrow(
      `Prometheus query failed: POST http://127.0.0.1:${port}/api/v1/query: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });
});
