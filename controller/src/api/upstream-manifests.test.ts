// Every manifest of the five kinds in the original's end-to-end suite must pass the runtime
// validation (the CRD side is checked in crds.test.ts).
import { describe, expect, it } from "vitest";
import { parsersByKind } from "./parse.js";
import { loadUpstreamManifests } from "./upstream-manifests.js";

describe("manifests from the original's e2e suite", () => {
  const docs = loadUpstreamManifests();

  it("covers the kinds we define", () => {
    expect(new Set(docs.map((d) => d.kind))).toEqual(
      new Set(["AnalysisTemplate", "Experiment", "Rollout"]),
    );
    expect(docs.length).toBeGreaterThan(50);
  });

  it.each(docs.map((d) => [`${d.file}#${d.index} (${d.kind})`, d] as const))(
    "parses %s",
    (_name, doc) => {
      const parser = parsersByKind[doc.kind];
      if (parser === undefined) throw new Error(`no parser for ${doc.kind}`);
      const result = parser.parse(doc.value);
      expect(result.ok ? [] : result.errors).toEqual([]);
    },
  );
});
