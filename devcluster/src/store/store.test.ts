import { appendFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Store } from "./store.js";

const dirs: string[] = [];
function store(
  dataDir = mkdtempSync(join(tmpdir(), "devcluster-store-")),
  compactAfterBytes = 1 << 30,
): Store {
  dirs.push(dataDir);
  return new Store({ dataDir, historySize: 3, fsync: false, compactAfterBytes });
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("store", () => {
  it("replays the log after a crash, ignoring a torn last line", () => {
    const first = store();
    const dir = dirs[0] ?? "";
    first.put("configmaps", { metadata: { name: "a", namespace: "ns" } });
    first.put("configmaps", { metadata: { name: "b", namespace: "ns" } });
    first.remove("configmaps", "ns", "a");
    // No close(): as if the process died. Then a half-written record, as a crash mid-write leaves.
    appendFileSync(join(dir, "changes.log"), '{"op":"put","k":"configmaps","rv":99,"o":{"meta');
    const second = store(dir);
    expect(second.list("configmaps").map((e) => e.obj.metadata.name)).toEqual(["b"]);
    expect(second.currentResourceVersion).toBe(3);
    expect(second.skippedLogLines).toBe(1);
  });

  it("keeps a bounded history and reports when a version is too old", () => {
    const s = store();
    for (let i = 0; i < 5; i++)
      s.put("configmaps", { metadata: { name: `c${i}`, namespace: "ns" } });
    expect(s.eventsSince(4)?.map((e) => e.name)).toEqual(["c4"]);
    expect(s.eventsSince(1)).toBeUndefined();
    s.close();
  });

  it("gives a resuming watch each change with the object as it was then, and the one before", () => {
    const s = store();
    s.put("configmaps", { metadata: { name: "a", namespace: "ns" }, data: { v: "1" } });
    s.put("secrets", { metadata: { name: "other", namespace: "ns" } });
    s.put("configmaps", { metadata: { name: "a", namespace: "ns" }, data: { v: "2" } });
    s.remove("configmaps", "ns", "a");
    const events = s.eventsSince(1, "configmaps") ?? [];
    expect(events.map((e) => [e.type, e.rv, e.obj.data, e.previous?.data])).toEqual([
      ["MODIFIED", 3, { v: "2" }, { v: "1" }],
      ["DELETED", 4, { v: "2" }, { v: "2" }],
    ]);
    for (const event of events) {
      expect(event.obj.metadata.resourceVersion).toBe(String(event.rv));
      expect(JSON.parse(event.json)).toEqual(event.obj);
      expect(event.bytes.toString()).toBe(event.json);
    }
    expect(s.eventsSince(1)?.map((e) => e.key)).toEqual(["secrets", "configmaps", "configmaps"]);
    s.close();
  });

  it("folds a large log into the snapshot and loses nothing doing so", async () => {
    const first = store(undefined, 2000);
    const dir = dirs[0] ?? "";
    for (let i = 0; i < 40; i++)
      first.put("configmaps", {
        metadata: { name: `c${i}`, namespace: "ns" },
        data: { v: "x".repeat(100) },
      });
    await vi.waitFor(() => expect(statSync(join(dir, "changes.log")).size).toBeLessThan(2000), {
      timeout: 10_000,
    });
    first.put("configmaps", { metadata: { name: "last", namespace: "ns" } });
    const second = store(dir);
    expect(second.count("configmaps")).toBe(41);
    expect(second.currentResourceVersion).toBe(41);
  });
});
