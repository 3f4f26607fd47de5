import { describe, expect, it } from "vitest";
import { compileJsonPath, findResults, JsonPathError } from "./jsonpath.js";

const doc = {
  data: { ok: true, successPercent: 0.95, "average.duration": 12.3, "app-name": "guestbook" },
  items: [
    { name: "a", count: 10, labels: { tier: "web" } },
    { name: "b", count: 20 },
    { name: "c", count: 30, labels: { tier: "db" } },
  ],
  empty: [],
};

const first = (path: string, document: unknown = doc) => {
  for (const segment of findResults(compileJsonPath(path), document)) {
    if (segment.length > 0) return segment[0];
  }
  return undefined;
};
const all = (path: string) => findResults(compileJsonPath(path), doc).flat();

describe("Kubernetes JSONPath subset", () => {
  it.each([
    ["{$}", doc],
    ["{$.data}", doc.data],
    ["{.data.ok}", true],
    ["{$.data.successPercent}", 0.95],
    ["{$.data['average.duration']}", 12.3],
    ['{$.data["average.duration"]}', 12.3],
    ["{.data.app-name}", "guestbook"],
    ["{.items[0].count}", 10],
    ["{.items[-1].name}", "c"],
    ["{.items[1:].name}", "b"],
    ["{.items[?(@.name == 'b')].count}", 20],
    ["{.items[?(@.count > 15)].name}", "b"],
    ["{.items[?(@.labels)].name}", "a"],
    ["{..tier}", "web"],
  ])("%s", (path, expected) => {
    expect(first(path)).toEqual(expected);
  });

  it("returns every match of wildcards, slices, unions and filters in order", () => {
    expect(all("{.items[*].count}")).toEqual([10, 20, 30]);
    expect(all("{.items[0,2].name}")).toEqual(["a", "c"]);
    expect(all("{.items[0:3:2].name}")).toEqual(["a", "c"]);
    expect(all("{.items[?(@.count >= 20)].name}")).toEqual(["b", "c"]);
    expect(all("{..tier}")).toEqual(["web", "db"]);
    expect(all("{.empty[*]}")).toEqual([]);
  });

  it("keeps text outside braces as a literal result, as Kubernetes does", () => {
    expect(findResults(compileJsonPath("n={.items[0].name}"), doc)).toEqual([["n="], ["a"]]);
  });

  it("fails like Kubernetes for a missing key or index", () => {
    expect(() => first("{.data.missing}")).toThrow(new JsonPathError("missing is not found"));
    expect(() => first("{.items[5]}")).toThrow("array index out of bounds: index 5, length 3");
  });

  it("rejects syntax it does not understand, with the position", () => {
    expect(() => compileJsonPath("{.data")).toThrow(/unclosed action/);
    expect(() => compileJsonPath("{.items[?@.a]}")).toThrow(/expected \( after \?/);
    expect(() => compileJsonPath("{range .items[*]}{.name}{end}")).toThrow(
      /"range" is not supported/,
    );
  });
});
