// The Web provider against loopback HTTP and HTTPS servers: requests checked field by field,
// answers turned into result and value, timeout, TLS verification and `insecure`, OAuth2.
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { clearOAuth2TokenCache } from "@sluice/provider-common";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { measureWeb, parseWebConfig } from "../src/index.js";

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
const seen: Seen[] = [];
const fixtures = new URL("../../provider-common/test/fixtures/", import.meta.url);

function handler(req: http.IncomingMessage, res: http.ServerResponse) {
  let body = "";
  req.on("data", (chunk: Buffer) => {
    body += chunk.toString();
  });
  req.on("end", () => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/slow") return;
    if (path === "/token") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end('{"access_token":"web-token","expires_in":600}');
      return;
    }
    if (path === "/missing") {
      res.writeHead(404).end("not here");
      return;
    }
    if (path === "/text") {
      res.end("all good");
      return;
    }
    if (path === "/echo") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ method: req.method, received: body }));
      return;
    }
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end('{"data":{"successPercent":0.95,"ok":true},"items":[{"count":10},{"count":20}]}');
  });
}

let plain: http.Server;
let tls: https.Server;
let base = "";
let tlsBase = "";

beforeAll(async () => {
  plain = http.createServer(handler);
  tls = https.createServer(
    {
      cert: readFileSync(new URL("test-only-localhost.crt", fixtures)),
      key: readFileSync(new URL("test-only-localhost.key", fixtures)),
    },
    handler,
  );
  await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
  await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  tlsBase = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
});

afterAll(() => {
  for (const server of [plain, tls]) {
    server.closeAllConnections();
    server.close();
  }
});

beforeEach(() => {
  seen.length = 0;
  clearOAuth2TokenCache();
});

describe("Web provider", () => {
  it("GETs with the metric's headers and reads the spec's sample through jsonPath", async () => {
    const outcome = await measureWeb(
      parseWebConfig({
        url: `${base}/api/v1/measurement?service=guestbook`,
        headers: [{ key: "Authorization", value: "Bearer abc" }],
        jsonPath: "{$.data}",
      }),
    );
    expect(outcome).toEqual({
      value: '{"ok":true,"successPercent":0.95}',
      result: { ok: true, successPercent: 0.95 },
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.method).toBe("GET");
    expect(seen[0]?.url).toBe("/api/v1/measurement?service=guestbook");
    expect(seen[0]?.headers.authorization).toBe("Bearer abc");
    expect(seen[0]?.body).toBe("");
  });

  it("POSTs a jsonBody as application/json", async () => {
    const outcome = await measureWeb(
      parseWebConfig({
        url: `${base}/echo`,
        method: "POST",
        jsonBody: { key: "value" },
        jsonPath: "{.received}",
      }),
    );
    expect(outcome.result).toBe('{"key":"value"}');
    expect(seen[0]?.method).toBe("POST");
    expect(seen[0]?.headers["content-type"]).toBe("application/json");
    expect(seen[0]?.headers["content-length"]).toBe("15");
  });

  it("PUTs a raw body with the user's content type", async () => {
    await measureWeb(
      parseWebConfig({
        url: `${base}/echo`,
        method: "PUT",
        body: "a=1",
        headers: [{ key: "Content-Type", value: "application/x-www-form-urlencoded" }],
      }),
    );
    expect(seen[0]?.method).toBe("PUT");
    expect(seen[0]?.body).toBe("a=1");
    expect(seen[0]?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
  });

  it("uses a plain-text answer raw", async () => {
    expect(await measureWeb(parseWebConfig({ url: `${base}/text` }))).toEqual({
      value: "all good",
      result: "all good",
    });
  });

  it("fails on a non-2xx answer and on a path that is not there", async () => {
    await expect(measureWeb(parseWebConfig({ url: `${base}/missing` }))).rejects.toThrow(
      "received non 2xx response code: 404",
    );
    await expect(
      measureWeb(parseWebConfig({ url: base, jsonPath: "{.data.nope}" })),
    ).rejects.toThrow("Could not find JSONPath in body: nope is not found");
  });

  it("gives up at timeoutSeconds", async () => {
    await expect(
      measureWeb(parseWebConfig({ url: `${base}/slow`, timeoutSeconds: 1 })),
    ).rejects.toThrow(`GET ${base}/slow: request timed out after 1s`);
  });

  it("verifies TLS unless insecure is set", async () => {
    await expect(measureWeb(parseWebConfig({ url: `${tlsBase}/x` }))).rejects.toThrow(
      /self[- ]signed certificate/,
    );
    const outcome = await measureWeb(
      parseWebConfig({ url: `${tlsBase}/x`, insecure: true, jsonPath: "{.items[1].count}" }),
    );
    expect(outcome).toEqual({ value: "20", result: 20 });
  });

  it("sends an OAuth2 client-credentials token as the bearer", async () => {
    await measureWeb(
      parseWebConfig({
        url: `${base}/x`,
        authentication: { oauth2: { tokenUrl: `${base}/token`, clientId: "c", clientSecret: "s" } },
      }),
    );
    expect(seen.map((s) => s.url)).toEqual(["/token", "/x"]);
    expect(seen[0]?.body).toBe("grant_type=client_credentials");
    expect(seen[1]?.headers.authorization).toBe("Bearer web-token");
  });
});
