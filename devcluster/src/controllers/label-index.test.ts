import { describe, expect, it } from "vitest";
import { LabelIndex } from "./label-index.js";

describe("LabelIndex", () => {
  it("finds objects by label pair and follows label changes and removal", () => {
    const index = new LabelIndex();
    index.update("ns", "a", undefined, { app: "web", hash: "1" });
    index.update("ns", "b", undefined, { app: "web", hash: "2" });
    index.update("other", "c", undefined, { app: "web" });
    expect([...index.withPair("ns", "app=web")].sort()).toEqual(["a", "b"]);
    expect([...(index.smallestFor("ns", { app: "web", hash: "2" }) ?? [])]).toEqual(["b"]);
    expect([...index.candidates("ns", { hash: "1", tier: "x" })]).toEqual(["a"]);

    index.update("ns", "b", { app: "web", hash: "2" }, { app: "web", hash: "1" });
    expect([...(index.smallestFor("ns", { hash: "1" }) ?? [])].sort()).toEqual(["a", "b"]);
    expect(index.withPair("ns", "hash=2").size).toBe(0);

    index.update("ns", "a", { app: "web", hash: "1" }, undefined);
    expect([...index.withPair("ns", "app=web")]).toEqual(["b"]);
    expect([...index.withPair("other", "app=web")]).toEqual(["c"]);
  });

  it("answers undefined for a selector without pairs: it selects everything", () => {
    expect(new LabelIndex().smallestFor("ns", {})).toBeUndefined();
  });
});
