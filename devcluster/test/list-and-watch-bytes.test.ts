import { request as httpsRequest } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, field, startTestCluster, waitFor } from "./helpers.js";
import { openWatch } from "./watch-stream.js";

// Lists and watches are written from each object's cached UTF-8 bytes (src/http/resources.ts,
// src/http/watch.ts): these check what a client receives is exact, whatever the characters.
type Cluster = Awaited<ReturnType<typeof startTestCluster>>;
let cluster: Cluster;
const CMS = "/api/v1/namespaces/bytes/configmaps";
// Multi-byte characters make byte and character counts differ: a length computed from
// characters would cut the body short or leave the client waiting.
const TEXT = "grüße, 東京, 🚀 ".repeat(40);

beforeAll(async () => {
  cluster = await startTestCluster({ controllers: { kubelet: false } });
  await call(cluster, "POST", "/api/v1/namespaces", { metadata: { name: "bytes" } });
});
afterAll(async () => cluster.cleanup());

describe("lists and watches from cached bytes", () => {
  it("lists objects with multi-byte text across many chunks with an exact Content-Length", async () => {
    // About 1,500 bytes each: 400 of them span several of the 256 KiB writes.
    for (let i = 0; i < 400; i++) {
      const created = await call(cluster, "POST", CMS, {
        metadata: { name: `cm-${String(i).padStart(3, "0")}`, labels: { half: String(i % 2) } },
        data: { text: TEXT },
      });
      expect(created.status).toBe(201);
    }
    const list = await call(cluster, "GET", CMS);
    expect(list.status).toBe(200);
    expect(Number(list.headers["content-length"])).toBe(Buffer.byteLength(list.text));
    const items = list.body.items as Array<{ metadata: { name: string }; data: { text: string } }>;
    expect(items).toHaveLength(400);
    expect(items[0]?.metadata.name).toBe("cm-000");
    expect(items[399]?.metadata.name).toBe("cm-399");
    expect(items.every((item) => item.data.text === TEXT)).toBe(true);
    expect(field(list.body, "metadata", "resourceVersion")).toMatch(/^\d+$/);
    const half = await call(cluster, "GET", `${CMS}?labelSelector=half%3D1&limit=150`);
    expect((half.body.items as unknown[]).length).toBe(150);
    expect(field(half.body, "metadata", "continue")).toEqual(expect.any(String));
  });

  it("keeps serving when a client goes away in the middle of a large list", async () => {
    await new Promise<void>((resolve, reject) => {
      const req = httpsRequest(
        `${cluster.url}${CMS}`,
        { ca: cluster.caPem, headers: { authorization: `Bearer ${cluster.token}` } },
        (res) => {
          res.once("data", () => {
            res.destroy();
            resolve();
          });
        },
      );
      req.on("error", reject);
      req.end();
    });
    const again = await call(cluster, "GET", CMS);
    expect((again.body.items as unknown[]).length).toBe(400);
  });

  it("sends each watcher the event as its selector sees it, with the text intact", async () => {
    const rv = String(
      field((await call(cluster, "GET", `${CMS}?limit=1`)).body, "metadata", "resourceVersion"),
    );
    const all = openWatch(cluster, `${CMS}?watch=true&resourceVersion=${rv}`);
    const odd = openWatch(
      cluster,
      `${CMS}?watch=true&resourceVersion=${rv}&labelSelector=half%3D1`,
    );
    try {
      await call(cluster, "POST", CMS, {
        metadata: { name: "moving", labels: { half: "0" } },
        data: { text: TEXT },
      });
      // Into the second watcher's selection: MODIFIED for one watcher, ADDED for the other.
      await call(
        cluster,
        "PATCH",
        `${CMS}/moving`,
        { metadata: { labels: { half: "1" } } },
        {
          "content-type": "application/merge-patch+json",
        },
      );
      await call(cluster, "DELETE", `${CMS}/moving`);
      const summary = (events: typeof all.events): string[] =>
        events.map((e) => `${e.type} ${e.object.metadata?.name ?? ""}`);
      await waitFor(
        "both watchers to see the delete",
        () => (all.events.length >= 3 && odd.events.length >= 2 ? true : undefined),
        { describe: () => ({ all: summary(all.events), odd: summary(odd.events) }) },
      );
      expect(summary(all.events)).toEqual(["ADDED moving", "MODIFIED moving", "DELETED moving"]);
      expect(summary(odd.events)).toEqual(["ADDED moving", "DELETED moving"]);
      for (const event of [...all.events, ...odd.events])
        expect(field(event.object, "data", "text")).toBe(TEXT);
    } finally {
      all.close();
      odd.close();
    }
  });
});
