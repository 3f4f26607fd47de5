import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startTestCluster, type TestCluster, waitFor } from "./helpers.js";

// The API server answers HTTP/2 (what client-go, kubectl and the controller choose) and
// HTTP/1.1 (everything else) on the same port, with the same answers.

interface Answer {
  status: number;
  text: string;
}

/** One request on an HTTP/2 session. */
function h2(
  session: http2.ClientHttp2Session,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const stream = session.request({
      ":method": method,
      ":path": path,
      authorization: `Bearer ${token}`,
      ...(payload === undefined ? {} : { "content-type": "application/json" }),
    });
    let status = 0;
    let text = "";
    stream.setEncoding("utf8");
    stream.on("response", (headers) => {
      status = Number(headers[":status"]);
    });
    stream.on("data", (chunk: string) => {
      text += chunk;
    });
    stream.on("end", () => resolve({ status, text }));
    stream.on("error", reject);
    stream.end(payload);
  });
}

describe("devcluster over HTTP/2 and HTTP/1.1", () => {
  let cluster: TestCluster & { cleanup(): Promise<void> };
  let session: http2.ClientHttp2Session;

  beforeAll(async () => {
    cluster = await startTestCluster({ controllers: {} });
    session = http2.connect(cluster.url, { ca: cluster.caPem });
  });

  afterAll(async () => {
    session.destroy();
    await cluster.cleanup();
  });

  it("answers the same discovery document either way, naming the host it was asked as", async () => {
    const viaH2 = await h2(session, cluster.token, "GET", "/api");
    const viaH1 = await call(cluster, "GET", "/api");
    expect(viaH2.status).toBe(200);
    expect(JSON.parse(viaH2.text)).toEqual(viaH1.body);
    expect(viaH2.text).toContain(new URL(cluster.url).host);
  });

  it("lets a client send hundreds of writes at once without waiting on 64 KiB windows", async () => {
    await h2(session, cluster.token, "GET", "/api");
    // After a PING round trip, the window update sent with the server's SETTINGS has arrived.
    await new Promise<void>((resolve, reject) =>
      session.ping((error) => (error === null ? resolve() : reject(error))),
    );
    expect(session.remoteSettings.initialWindowSize).toBe(8 * 1024 * 1024);
    expect(session.state.remoteWindowSize).toBeGreaterThan(60 * 1024 * 1024);
  });

  it("refuses a request without the token over HTTP/2 too", async () => {
    const answer = await h2(session, "wrong", "GET", "/api/v1/namespaces");
    expect(answer.status).toBe(401);
  });

  it("creates, lists and watches over HTTP/2 what HTTP/1.1 sees", async () => {
    const created = await h2(
      session,
      cluster.token,
      "POST",
      "/api/v1/namespaces/default/configmaps",
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "over-h2" },
        data: { a: "1" },
      },
    );
    expect(created.status).toBe(201);
    const listed = await h2(session, cluster.token, "GET", "/api/v1/namespaces/default/configmaps");
    const names = (
      JSON.parse(listed.text) as { items: Array<{ metadata: { name: string } }> }
    ).items.map((item) => item.metadata.name);
    expect(names).toContain("over-h2");
    expect(
      (await call(cluster, "GET", "/api/v1/namespaces/default/configmaps/over-h2")).status,
    ).toBe(200);

    // A watch on the same session sees a change made over HTTP/1.1.
    const watch = session.request({
      ":path":
        "/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dlater",
      authorization: `Bearer ${cluster.token}`,
    });
    watch.setEncoding("utf8");
    let seen = "";
    watch.on("data", (chunk: string) => {
      seen += chunk;
    });
    await new Promise((resolve) => watch.once("response", resolve));
    const later = await call(cluster, "POST", "/api/v1/namespaces/default/configmaps", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "later" },
    });
    expect(later.status).toBe(201);
    await waitFor("the watch over HTTP/2 to see the ConfigMap", () =>
      seen.includes('"type":"ADDED"') ? seen : undefined,
    );
    expect(JSON.parse(seen.split("\n")[0] ?? "").object.metadata.name).toBe("later");
    watch.close();
  });
});
