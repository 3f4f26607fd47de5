import { describe, expect, it } from "vitest";
import { parseJobConfig } from "./config.js";

describe("parseJobConfig", () => {
  it("reads metadata labels/annotations and keeps spec as written", () => {
    const spec = { backoffLimit: 1, template: { spec: { containers: [] } } };
    expect(
      parseJobConfig({ metadata: { labels: { a: "1" }, annotations: { b: "2" } }, spec }),
    ).toEqual({ labels: { a: "1" }, annotations: { b: "2" }, spec });
    expect(parseJobConfig({ spec })).toEqual({ labels: {}, annotations: {}, spec });
  });

  it("names the field that is wrong", () => {
    expect(() => parseJobConfig({})).toThrow("provider.job.spec must be a batch/v1 JobSpec object");
    expect(() => parseJobConfig({ spec: {}, extra: 1 })).toThrow(
      "provider.job has unknown field(s) extra; allowed: metadata, spec",
    );
    expect(() => parseJobConfig({ spec: {}, metadata: { labels: { a: 1 } } })).toThrow(
      "provider.job.metadata.labels.a must be a string, got 1",
    );
    expect(() => parseJobConfig({ spec: {}, metadata: { name: "x" } })).toThrow(
      "provider.job.metadata has unknown field(s) name",
    );
  });
});
