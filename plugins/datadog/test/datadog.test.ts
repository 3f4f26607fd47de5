// The Datadog provider against a loopback server that answers as Datadog's API documents
// (v1 /api/v1/query, v2 /api/v2/query/scalar, 401/403/429 with rate-limit headers), requests
// checked field by field; and the plugin's Secret lookup against a loopback Kubernetes API.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  findCredentials,
  kubeSecretReader,
  measureDatadog,
  parseDatadogConfig,
} from "../src/index.js";

interface Seen {
  method: string;
  path: string;
  params: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}
const seen: Seen[] = [];
/** Answers queued for the next requests; when empty the server answers 200 with `ok`. */
const queued: Array<{ status: number; headers?: Record<string, string>; body: string }> = [];
let base = "";
let server: http.Server;

const v1Ok =
  '{"status":"ok","res_type":"time_series","series":[{"metric":"m","pointlist":[[1598867910000,0.002],[1598867925000,0.00033]]}]}';
const v2Ok =
  '{"data":{"type":"scalar_response","attributes":{"columns":[{"name":"query","type":"number","values":[0.0063],"meta":{"unit":null}}]}}}';

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
        params: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body,
        at: Date.now(),
      });
      const next = queued.shift();
      if (next) {
        res
          .writeHead(next.status, { "Content-Type": "application/json", ...next.headers })
          .end(next.body);
        return;
      }
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(url.pathname === "/api/v1/query" ? v1Ok : v2Ok);
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
  queued.length = 0;
});

const credentials = () => ({ apiKey: "api-key-123", appKey: "app-key-456", address: base });
const now = () => 1599076435_000;
const rateLimited = (reset: string) => ({
  status: 429,
  headers: {
    "X-RateLimit-Limit": "100",
    "X-RateLimit-Period": "60",
    "X-RateLimit-Remaining": "0",
    "X-RateLimit-Reset": reset,
    "X-RateLimit-Name": "query",
  },
  body: '{"errors":["Too many requests"]}',
});

describe("Datadog provider", () => {
  it("v1: GETs the query window with the keys as headers and reads the last point", async () => {
    const outcome = await measureDatadog(
      parseDatadogConfig({ query: "avg:latency{service:web}" }),
      credentials(),
      { now },
    );
    expect(outcome).toEqual({ value: "0.00033", result: 0.00033 });
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request?.method).toBe("GET");
    expect(request?.path).toBe("/api/v1/query");
    expect(request?.params).toEqual({
      from: "1599076135",
      to: "1599076435",
      query: "avg:latency{service:web}",
    });
    expect(request?.headers["dd-api-key"]).toBe("api-key-123");
    expect(request?.headers["dd-application-key"]).toBe("app-key-456");
    expect(request?.headers["content-type"]).toBe("application/json");
  });

  it("v2: POSTs the scalar request and reads the number column", async () => {
    const outcome = await measureDatadog(
      parseDatadogConfig({
        apiVersion: "v2",
        queries: { a: "sum:errors{*}.as_count()", b: "sum:hits{*}.as_count()" },
        formula: "a / b",
        aggregator: "sum",
      }),
      credentials(),
      { now },
    );
    expect(outcome).toEqual({ value: "0.0063", result: 0.0063 });
    const [request] = seen;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/api/v2/query/scalar");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.headers["dd-api-key"]).toBe("api-key-123");
    const body = JSON.parse(request?.body ?? "");
    expect(body.data.type).toBe("scalar_request");
    expect(body.data.attributes.from).toBe(1599076135000);
    expect(body.data.attributes.to).toBe(1599076435000);
    expect(body.data.attributes.formulas).toEqual([{ formula: "a / b" }]);
    // Order of queries is not part of the contract (spec Open points 7).
    expect(
      [...body.data.attributes.queries].sort((x: { name: string }, y: { name: string }) =>
        x.name.localeCompare(y.name),
      ),
    ).toEqual([
      { aggregator: "sum", data_source: "metrics", name: "a", query: "sum:errors{*}.as_count()" },
      { aggregator: "sum", data_source: "metrics", name: "b", query: "sum:hits{*}.as_count()" },
    ]);
  });

  it("on 429 waits as X-RateLimit-Reset says and retries inside the request timeout", async () => {
    queued.push(rateLimited("1"), rateLimited("1"));
    const waits: number[] = [];
    const outcome = await measureDatadog(
      parseDatadogConfig({ query: "q", requestTimeout: "5s" }),
      credentials(),
      {
        now,
        onRateLimited: (_attempt, wait) => waits.push(wait),
      },
    );
    expect(outcome.result).toBe(0.00033);
    expect(seen).toHaveLength(3);
    expect(waits).toEqual([1000, 1000]);
    // The same request each time, at least the announced second apart.
    expect(new Set(seen.map((s) => JSON.stringify(s.params))).size).toBe(1);
    expect((seen[1]?.at ?? 0) - (seen[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect((seen[2]?.at ?? 0) - (seen[1]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it("gives up on 429 when the next try would pass the request timeout", async () => {
    queued.push(rateLimited("30"));
    const started = Date.now();
    await expect(
      measureDatadog(parseDatadogConfig({ query: "q", requestTimeout: "2s" }), credentials(), {
        now,
      }),
    ).rejects.toThrow(
      `received non 2xx response code: 429 {"errors":["Too many requests"]} (rate limited by Datadog after 1 attempt; the next try in 30s would pass the measurement's 2s deadline)`,
    );
    expect(seen).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("reports authentication failures and errors in the query", async () => {
    queued.push({ status: 403, body: '{"errors":["Forbidden"]}' });
    await expect(
      measureDatadog(parseDatadogConfig({ query: "q" }), credentials(), { now }),
    ).rejects.toThrow('received authentication error response code: 403 {"errors":["Forbidden"]}');
    queued.push({
      status: 200,
      body: '{"data":{"type":"scalar_response","attributes":{"columns":[]}},"errors":"Error parsing query: unknown metric"}',
    });
    await expect(
      measureDatadog(parseDatadogConfig({ apiVersion: "v2", query: "q" }), credentials(), { now }),
    ).rejects.toThrow("There were errors in your query: Error parsing query: unknown metric");
  });
});

describe("Secret lookup with the plugin's own Kubernetes client", () => {
  let api: http.Server;
  let dir = "";
  const requests: string[] = [];

  beforeAll(async () => {
    api = http.createServer((req, res) => {
      requests.push(`${req.method} ${req.url} ${req.headers.authorization ?? ""}`);
      if (req.url === "/api/v1/namespaces/team-a/secrets/dd-keys") {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(
          JSON.stringify({
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "dd-keys", namespace: "team-a" },
            data: {
              "api-key": Buffer.from("k8s-api").toString("base64"),
              "app-key": Buffer.from("k8s-app").toString("base64"),
              address: Buffer.from(base).toString("base64"),
            },
          }),
        );
        return;
      }
      res.writeHead(404, { "Content-Type": "application/json" });
      res.end(
        '{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}',
      );
    });
    await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
    dir = await mkdtemp(join(tmpdir(), "sluice-datadog-kube-"));
    const server = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    await writeFile(
      join(dir, "kubeconfig"),
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters: [{name: test, cluster: {server: '" +
          server +
          "', insecure-skip-tls-verify: true}}]",
        "users: [{name: test, user: {token: kube-token}}]",
        "contexts: [{name: test, context: {cluster: test, user: test}}]",
        "current-context: test",
        "",
      ].join("\n"),
    );
  });

  afterAll(async () => {
    api.closeAllConnections();
    api.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("reads the keys and address from the Secret and measures with them", async () => {
    const access = kubeSecretReader({ KUBECONFIG: join(dir, "kubeconfig") });
    if (!("reader" in access)) throw new Error(`no reader: ${access.unavailable}`);
    const found = await findCredentials({
      secretRef: { name: "dd-keys", namespaced: true },
      runNamespace: "team-a",
      env: { POD_NAMESPACE: "rollouts" },
      secrets: access.reader,
    });
    expect(found).toEqual({ apiKey: "k8s-api", appKey: "k8s-app", address: base });
    expect(requests).toEqual(["GET /api/v1/namespaces/team-a/secrets/dd-keys Bearer kube-token"]);

    await measureDatadog(parseDatadogConfig({ query: "q" }), found, { now });
    expect(seen[0]?.headers["dd-api-key"]).toBe("k8s-api");
  });

  it("reports a Secret that does not exist", async () => {
    const access = kubeSecretReader({ KUBECONFIG: join(dir, "kubeconfig") });
    if (!("reader" in access)) throw new Error(`no reader: ${access.unavailable}`);
    await expect(
      findCredentials({
        runNamespace: "team-a",
        env: { POD_NAMESPACE: "rollouts" },
        secrets: access.reader,
      }),
    ).rejects.toThrow(
      "failed to find the credentials for datadog metrics provider: looked in environment DD_API_KEY, DD_APP_KEY, DD_ADDRESS (not all set); Secret rollouts/datadog (not found)",
    );
  });
});
