import { describe, expect, it } from "vitest";
import { lazyConditionLoader, loadConditionEvaluator } from "./condition-language.js";

describe("loadConditionEvaluator", () => {
  it("says where it looked when no package offers the condition language", async () => {
    const { evaluate, source } = await loadConditionEvaluator([
      "@sluice/no-such-package",
      "@sluice/provider-common",
    ]);
    expect(source).toMatch(
      /^the condition language is not available to this plugin: looked in @sluice\/no-such-package \(.*\); @sluice\/provider-common \(no compileCondition\/expectBool export\)$/,
    );
    // Every evaluation is then an error carrying that explanation.
    expect(evaluate("result > 1", 2)).toEqual({ ok: false, message: source });
  });

  it("looks once however often the loader is asked", async () => {
    const load = lazyConditionLoader(["@sluice/no-such-package"]);
    const [first, second] = await Promise.all([load(), load()]);
    expect(first).toBe(second);
  });
});
