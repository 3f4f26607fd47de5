import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import http2 from "node:http2";
import https from "node:https";
import net, { type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateTlsMaterial } from "@sluice/devcluster";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeClient, loadKubeConfig, type RequestRecord, type WatchEvent } from "./kube.js";
import { isConflict, isGone, isNotFound, KubeApiError, retryOnConflict } from "./kube-errors.js";
import { objectKey, RESOURCES, resourcePath, splitObjectKey } from "./kube-resources.js";

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  contentType: string | undefined;
  body: string;
  /** "1.1" or "2.0". */
  httpVersion: string;
}

/**
 * How the fake API server is reached: plain http; https offering HTTP/2 and HTTP/1.1 (as API
 * servers do); https speaking HTTP/1.1 only (the client must fall back).
 */
type Transport = "http" | "https with HTTP/2" | "https, HTTP/1.1 only";
const TRANSPORTS: Transport[] = ["http", "https with HTTP/2", "https, HTTP/1.1 only"];
const tlsMaterial = generateTlsMaterial();

interface FakeApi {
  url: string;
  seen: Seen[];
  /** TCP connections accepted so far. */
  connections(): number;
  /** Cuts every open connection (the server keeps listening). */
  dropConnections(): void;
  close(): void;
}

/** A scripted stand-in for the API server, enough to check what the client sends and reads. */
function startFakeApi(transport: Transport): Promise<FakeApi> {
  const seen: Seen[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      const url = req.url ?? "";
      seen.push({
        method: req.method ?? "",
        url,
        auth: req.headers.authorization,
        contentType: req.headers["content-type"],
        body,
        httpVersion: req.httpVersion,
      });
      const json = (code: number, value: unknown): void => {
        res.writeHead(code, { "Content-Type": "application/json" }).end(JSON.stringify(value));
      };
      if (url.includes("watch=true") && url.includes("/replicasets")) {
        res.writeHead(200, { "Content-Type": "application/json" });
        const added = JSON.stringify({
          type: "ADDED",
          object: { metadata: { name: "a", namespace: "shop", resourceVersion: "5" } },
        });
        // One event split across writes, then a bookmark, then the server's 410.
        res.write(added.slice(0, 10));
        res.write(`${added.slice(10)}\n`);
        res.write(
          `${JSON.stringify({ type: "BOOKMARK", object: { metadata: { name: "", resourceVersion: "9" } } })}\n`,
        );
        res.end(
          `${JSON.stringify({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired", message: "too old resource version: 1 (9)" } })}\n`,
        );
        return;
      }
      if (url.includes("watch=true")) {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.write(
          `${JSON.stringify({ type: "ADDED", object: { metadata: { name: "s", namespace: "shop" } } })}\n`,
        );
        return; // left open until the client aborts
      }
      if (
        req.method === "GET" &&
        url.startsWith("/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/cut")
      ) {
        // Half an answer, then the connection is gone.
        res.writeHead(200, { "Content-Type": "application/json" });
        res.write('{"metadata":{"na');
        setTimeout(() => {
          const stream = (res as unknown as { stream?: http2.ServerHttp2Stream }).stream;
          if (stream !== undefined) stream.session?.destroy();
          else res.socket?.destroy();
        }, 20);
        return;
      }
      if (
        req.method === "GET" &&
        url.startsWith("/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/web")
      ) {
        json(200, {
          apiVersion: "argoproj.io/v1alpha1",
          kind: "Rollout",
          metadata: { name: "web", namespace: "shop" },
        });
        return;
      }
      if (req.method === "GET" && url.startsWith("/apis/apps/v1/namespaces/shop/replicasets?")) {
        json(200, {
          metadata: { resourceVersion: "42" },
          items: [{ metadata: { name: "a", namespace: "shop" } }],
        });
        return;
      }
      if (req.method === "PUT") {
        json(409, {
          kind: "Status",
          code: 409,
          reason: "Conflict",
          message:
            'Operation cannot be fulfilled on rollouts.argoproj.io "web": the object has been modified',
        });
        return;
      }
      if (req.method === "PATCH" && url.includes("/rollouts/gone")) {
        json(404, { kind: "Status", code: 404, reason: "NotFound", message: "gone" });
        return;
      }
      if (req.method === "PATCH") {
        json(200, JSON.parse(body.includes("metadata") ? body : '{"metadata":{"name":"web"}}'));
        return;
      }
      json(404, { kind: "Status", code: 404, reason: "NotFound", message: "not found" });
    });
  };
  const tlsOptions = { cert: tlsMaterial.certPem, key: tlsMaterial.keyPem };
  const server =
    transport === "http"
      ? http.createServer(handler)
      : transport === "https with HTTP/2"
        ? http2.createSecureServer(
            { ...tlsOptions, allowHTTP1: true },
            // The compatibility request and response offer what the handler uses.
            handler as unknown as (
              req: http2.Http2ServerRequest,
              res: http2.Http2ServerResponse,
            ) => void,
          )
        : https.createServer(tlsOptions, handler);
  const sockets = new Set<Socket>();
  let accepted = 0;
  server.on(transport === "http" ? "connection" : "secureConnection", (socket: Socket) => {
    accepted++;
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  const dropConnections = (): void => {
    for (const socket of sockets) socket.destroy();
  };
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `${transport === "http" ? "http" : "https"}://127.0.0.1:${port}`,
        seen,
        connections: () => accepted,
        dropConnections,
        close: () => {
          dropConnections();
          server.close();
        },
      });
    });
  });
}

describe.each(TRANSPORTS)("KubeClient over %s", (transport) => {
  let api: FakeApi;
  let dir: string;
  let client: KubeClient;
  const records: RequestRecord[] = [];

  beforeAll(async () => {
    api = await startFakeApi(transport);
    dir = mkdtempSync(join(tmpdir(), "sluice-kube-"));
    const kubeconfig = join(dir, "config");
    writeFileSync(
      kubeconfig,
      [
        "apiVersion: v1",
        "kind: Config",
        `clusters: [{name: dev, cluster: {server: '${api.url}'${caField()}}}]`,
        "users: [{name: dev, user: {token: secret-token}}]",
        "contexts: [{name: dev, context: {cluster: dev, user: dev}}]",
        "current-context: dev",
      ].join("\n"),
    );
    client = new KubeClient(loadKubeConfig({ kubeconfig }), {
      fieldManager: "sluice-controller",
      onRequest: (r) => records.push(r),
    });
  });

  afterAll(() => {
    client.close();
    api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads objects with the kubeconfig's credentials and counts the request", async () => {
    const rollout = await client.get(RESOURCES.rollouts, "shop", "web");
    expect(rollout.metadata.name).toBe("web");
    expect(api.seen.at(-1)?.auth).toBe("Bearer secret-token");
    expect(records.at(-1)).toMatchObject({
      verb: "get",
      kind: "rollouts",
      namespace: "shop",
      statusCode: "200",
    });
  });

  it("lists with selectors and paging parameters", async () => {
    const list = await client.list(RESOURCES.replicaSets, {
      namespace: "shop",
      labelSelector: "!argo-rollouts.argoproj.io/controller-instance-id",
      limit: 500,
    });
    expect(list.metadata.resourceVersion).toBe("42");
    const url = new URL(api.seen.at(-1)?.url ?? "", api.url);
    expect(url.searchParams.get("labelSelector")).toBe(
      "!argo-rollouts.argoproj.io/controller-instance-id",
    );
    expect(url.searchParams.get("limit")).toBe("500");
  });

  it("turns a refusal into a KubeApiError that says what failed", async () => {
    const error = await client
      .update(RESOURCES.rollouts, {
        metadata: { name: "web", namespace: "shop", resourceVersion: "1" },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(isConflict(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(
      /update rollouts in namespace shop failed \(HTTP 409 Conflict\): .*has been modified/,
    );
    expect(records.at(-1)).toMatchObject({ verb: "update", statusCode: "409" });
    const missing = await client.get(RESOURCES.services, "shop", "nope").catch((e: unknown) => e);
    expect(isNotFound(missing)).toBe(true);
  });

  it("sends patches with the right content type and field manager", async () => {
    await client.patch(RESOURCES.rollouts, "shop", "web", { spec: { paused: false } });
    const last = api.seen.at(-1);
    expect(last?.method).toBe("PATCH");
    expect(last?.contentType).toBe("application/merge-patch+json");
    expect(last?.url).toContain("fieldManager=sluice-controller");
    await client.patch(
      RESOURCES.rollouts,
      "shop",
      "web",
      { status: {} },
      {
        patchType: "strategic",
        subresource: "status",
      },
    );
    expect(api.seen.at(-1)?.url).toContain("/rollouts/web/status");
    expect(api.seen.at(-1)?.contentType).toBe("application/strategic-merge-patch+json");
  });

  it("patches without reading the answer back, and still reports a failure", async () => {
    const done = await client.patchWithoutResult(
      RESOURCES.analysisRuns,
      "shop",
      "web",
      { status: { phase: "Running" } },
      { subresource: "status" },
    );
    expect(done).toBeUndefined();
    expect(api.seen.at(-1)).toMatchObject({
      method: "PATCH",
      contentType: "application/merge-patch+json",
      body: '{"status":{"phase":"Running"}}',
    });
    expect(api.seen.at(-1)?.url).toContain("/analysisruns/web/status");
    expect(records.at(-1)).toMatchObject({ verb: "patch", statusCode: "200" });
    const missing = await client
      .patchWithoutResult(RESOURCES.rollouts, "shop", "gone", { spec: {} })
      .catch((e: unknown) => e);
    expect(isNotFound(missing)).toBe(true);
    expect(String((missing as Error).message)).toContain("gone");
  });

  it("streams watch events across chunk boundaries and reports 410 Gone as an error", async () => {
    const events: WatchEvent[] = [];
    const error = await client
      .watch(
        RESOURCES.replicaSets,
        { namespace: "shop", resourceVersion: "1" },
        (e) => events.push(e),
        new AbortController().signal,
      )
      .catch((e: unknown) => e);
    expect(events.map((e) => `${e.type} ${e.object.metadata.resourceVersion}`)).toEqual([
      "ADDED 5",
      "BOOKMARK 9",
    ]);
    expect(isGone(error)).toBe(true);
    const url = new URL(api.seen.at(-1)?.url ?? "", api.url);
    expect(url.searchParams.get("allowWatchBookmarks")).toBe("true");
    expect(url.searchParams.get("resourceVersion")).toBe("1");
  });

  it("ends a watch quietly when its signal aborts", async () => {
    const abort = new AbortController();
    const events: WatchEvent[] = [];
    const done = client.watch(
      RESOURCES.services,
      {},
      (e) => {
        events.push(e);
        abort.abort();
      },
      abort.signal,
    );
    await expect(done).resolves.toBeUndefined();
    expect(events).toHaveLength(1);
  });

  it("speaks HTTP/2 exactly when the server offers it", async () => {
    await client.get(RESOURCES.rollouts, "shop", "web");
    expect(api.seen.at(-1)?.httpVersion).toBe(transport === "https with HTTP/2" ? "2.0" : "1.1");
  });

  it("answers many requests at once, on one connection when it is HTTP/2", async () => {
    await client.get(RESOURCES.rollouts, "shop", "web");
    const before = api.connections();
    const objects = await Promise.all(
      Array.from({ length: 40 }, () => client.get(RESOURCES.rollouts, "shop", "web")),
    );
    expect(objects.map((o) => o.metadata.name)).toEqual(Array(40).fill("web"));
    if (transport === "https with HTTP/2") expect(api.connections()).toBe(before);
  });

  it("carries on after the server drops its connections", async () => {
    // Forty requests at once leave up to forty idle HTTP/1.1 connections in the pool.
    await Promise.all(
      Array.from({ length: 40 }, () => client.get(RESOURCES.rollouts, "shop", "web")),
    );
    api.dropConnections();
    // A request caught on a dying connection fails with status 0 (callers retry, as informers
    // and work queues do). HTTP/1.1 can lose one request per pooled connection; HTTP/2 has
    // one connection, so at most one attempt fails before a new session serves.
    let served = false;
    const failures: unknown[] = [];
    for (let attempt = 0; attempt < 50 && !served; attempt++) {
      served = await client.get(RESOURCES.rollouts, "shop", "web").then(
        () => true,
        (error: unknown) => {
          failures.push(error);
          return false;
        },
      );
    }
    expect(served).toBe(true);
    for (const failure of failures) {
      expect((failure as KubeApiError).statusCode).toBe(0);
      // Told by the connection's end, not found out by the 30 s request deadline.
      expect(String(failure)).not.toMatch(/no answer within/);
    }
    if (transport === "https with HTTP/2") expect(failures.length).toBeLessThanOrEqual(1);
  });

  it("reports an answer cut off in the middle as status 0", async () => {
    const error = await client.get(RESOURCES.rollouts, "shop", "cut").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as KubeApiError).statusCode).toBe(0);
    expect((error as KubeApiError).message).toMatch(/closed in the middle of the answer/);
  });

  it("gives up at the request's deadline on a server that accepts but never answers", async () => {
    // Accepts TCP connections and never says a word: not even the TLS handshake completes.
    const held: Socket[] = [];
    const silent = net.createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    const scheme = transport === "http" ? "http" : "https";
    const stuck = new KubeClient(loadKubeConfigFor(`${scheme}://127.0.0.1:${port}`), {
      timeoutMs: 300,
    });
    try {
      const error = await stuck.get(RESOURCES.rollouts, "shop", "web").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KubeApiError);
      expect((error as KubeApiError).statusCode).toBe(0);
      expect((error as KubeApiError).message).toMatch(/no answer within 300 ms/);
    } finally {
      stuck.close();
      for (const socket of held) socket.destroy();
      silent.close();
    }
  });

  it("reports a connection failure as status 0", async () => {
    const dead = new KubeClient(
      loadKubeConfigFor(`${transport === "http" ? "http" : "https"}://127.0.0.1:1`),
    );
    const error = await dead.get(RESOURCES.rollouts, "shop", "web").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as KubeApiError).statusCode).toBe(0);
    dead.close();
  });

  function loadKubeConfigFor(server: string): ReturnType<typeof loadKubeConfig> {
    const file = join(dir, "dead");
    writeFileSync(
      file,
      `apiVersion: v1\nkind: Config\nclusters: [{name: d, cluster: {server: '${server}'${caField()}}}]\nusers: [{name: d, user: {}}]\ncontexts: [{name: d, context: {cluster: d, user: d}}]\ncurrent-context: d\n`,
    );
    return loadKubeConfig({ kubeconfig: file });
  }

  /** The CA of the https servers, as the kubeconfig's certificate-authority-data. */
  function caField(): string {
    if (transport === "http") return "";
    return `, certificate-authority-data: '${Buffer.from(tlsMaterial.caPem).toString("base64")}'`;
  }
});

describe("retryOnConflict", () => {
  it("re-runs a read-modify-write on conflict and gives up after the last step", async () => {
    let attempts = 0;
    const result = await retryOnConflict(async () => {
      attempts++;
      if (attempts < 3) throw new KubeApiError("conflict", 409, "Conflict", "modified");
      return "written";
    });
    expect(result).toBe("written");
    expect(attempts).toBe(3);
    attempts = 0;
    await expect(
      retryOnConflict(async () => {
        attempts++;
        throw new KubeApiError("conflict", 409, "Conflict", "modified");
      }),
    ).rejects.toThrow("conflict");
    expect(attempts).toBe(5);
  });

  it("does not retry other errors", async () => {
    let attempts = 0;
    await expect(
      retryOnConflict(async () => {
        attempts++;
        throw new KubeApiError("forbidden", 403, "Forbidden", "no");
      }),
    ).rejects.toThrow("forbidden");
    expect(attempts).toBe(1);
  });
});

describe("resource paths and keys", () => {
  it("builds core, grouped, cluster-scoped and subresource paths", () => {
    expect(resourcePath(RESOURCES.services, { namespace: "shop", name: "web" })).toBe(
      "/api/v1/namespaces/shop/services/web",
    );
    expect(
      resourcePath(RESOURCES.rollouts, { namespace: "shop", name: "web", subresource: "status" }),
    ).toBe("/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/web/status");
    expect(resourcePath(RESOURCES.rollouts)).toBe("/apis/argoproj.io/v1alpha1/rollouts");
    expect(resourcePath(RESOURCES.clusterAnalysisTemplates, { namespace: "shop", name: "x" })).toBe(
      "/apis/argoproj.io/v1alpha1/clusteranalysistemplates/x",
    );
  });

  it("round-trips object keys", () => {
    expect(objectKey({ metadata: { name: "web", namespace: "shop" } })).toBe("shop/web");
    expect(splitObjectKey("shop/web")).toEqual({ namespace: "shop", name: "web" });
    expect(splitObjectKey("cluster-wide")).toEqual({ namespace: "", name: "cluster-wide" });
  });

  it("refuses to start without a cluster", () => {
    expect(() => loadKubeConfig({ kubeconfig: "/nonexistent/kubeconfig" })).toThrow();
  });
});
