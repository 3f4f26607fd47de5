import { describe, expect, it } from "vitest";
import { lazyConditionLoader } from "./condition-language.js";

describe("lazyConditionLoader", () => {
  it("evaluates conditions with the SDK's condition language", async () => {
    const { evaluate, source } = await lazyConditionLoader()();
    expect(source).toBe("@sluice/sdk");
    expect(evaluate("result > 0.9", 0.97)).toEqual({ ok: true, value: true });
    expect(evaluate("result[0] < 0.5", [0.7])).toEqual({ ok: true, value: false });
  });

  it("reports a condition that does not compile, with its position", async () => {
    const { evaluate } = await lazyConditionLoader()();
    const outcome = evaluate("result >", 1);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.message).toMatch(/\(1:\d+\)/);
  });

  it("gives the same loader result however often it is asked", async () => {
    const load = lazyConditionLoader();
    const [first, second] = await Promise.all([load(), load()]);
    expect(first).toBe(second);
  });
});
