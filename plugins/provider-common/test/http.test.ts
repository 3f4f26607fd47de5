// The shared HTTP client against real loopback servers: deadline, TLS verification and its
// `insecure` override, redirects, body limit.
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpTransportError, httpRequest } from "../src/http.js";

const fixtures = new URL("./fixtures/", import.meta.url);
let plain: http.Server;
let tls: https.Server;
let plainUrl: string;
let tlsUrl: string;
const seen: Array<{ method?: string; url?: string; authorization?: string }> = [];

function handler(req: http.IncomingMessage, res: http.ServerResponse) {
  seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
  if (req.url?.startsWith("/slow")) return; // never answers
  if (req.url === "/redirect") {
    res.writeHead(302, { location: "/final" }).end();
    return;
  }
  if (req.url === "/big") {
    res.end("x".repeat(2048));
    return;
  }
  res.end(`hello ${req.method}`);
}

beforeAll(async () => {
  plain = http.createServer(handler);
  tls = https.createServer(
    {
      cert: readFileSync(new URL("test-only-localhost.crt", fixtures)),
      key: readFileSync(new URL("test-only-localhost.key", fixtures)),
    },
    handler,
  );
  await Promise.all([
    new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve)),
    new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve)),
  ]);
  plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  tlsUrl = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
});

afterAll(() => {
  plain.closeAllConnections();
  tls.closeAllConnections();
  plain.close();
  tls.close();
});

describe("httpRequest", () => {
  it("ends with a timeout error naming the configured timeout when the server is silent", async () => {
    const started = Date.now();
    const error = await httpRequest({
      method: "GET",
      url: `${plainUrl}/slow?token=secret`,
      deadline: Date.now() + 300,
      timeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpTransportError);
    expect((error as HttpTransportError).timedOut).toBe(true);
    // The query string (which may hold a secret) is not in the message.
    expect((error as Error).message).toBe(`GET ${plainUrl}/slow: request timed out after 0.3s`);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("refuses a self-signed certificate unless insecure is set", async () => {
    const refused = await httpRequest({
      method: "GET",
      url: `${tlsUrl}/ok`,
      deadline: Date.now() + 5000,
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HttpTransportError);
    expect((refused as Error).message).toMatch(/self[- ]signed certificate/);

    const accepted = await httpRequest({
      method: "GET",
      url: `${tlsUrl}/ok`,
      insecure: true,
      deadline: Date.now() + 5000,
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toBe("hello GET");
  });

  it("follows a 302 from a POST as a GET, like Go's client, keeping credentials on the same host", async () => {
    seen.length = 0;
    const response = await httpRequest({
      method: "POST",
      url: `${plainUrl}/redirect`,
      headers: { Authorization: "Bearer abc", "Content-Type": "text/plain" },
      body: "payload",
      deadline: Date.now() + 5000,
    });
    expect(response.body).toBe("hello GET");
    expect(response.url.pathname).toBe("/final");
    expect(seen).toEqual([
      { method: "POST", url: "/redirect", authorization: "Bearer abc" },
      { method: "GET", url: "/final", authorization: "Bearer abc" },
    ]);
  });

  it("refuses a body above the limit instead of buffering it", async () => {
    const error = await httpRequest({
      method: "GET",
      url: `${plainUrl}/big`,
      deadline: Date.now() + 5000,
      maxBodyBytes: 1024,
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `GET ${plainUrl}/big: response body larger than 1024 bytes`,
    );
  });

  it("reports a refused connection as a transport error", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await httpRequest({
      method: "GET",
      url: `http://127.0.0.1:${port}/x`,
      deadline: Date.now() + 5000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpTransportError);
    expect((error as Error).message).toBe(
      `GET http://127.0.0.1:${port}/x: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });
});
