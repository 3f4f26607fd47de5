import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileCondition, type EvaluationOutcome, evaluateCondition } from "./index.js";

// Whatever a user writes in a condition and whatever a provider returns, the answer is a
// value or an expression error with a position inside the expression: never a thrown
// exception, never a hang (the step budget bounds work).

function assertWellFormed(expression: string, outcome: EvaluationOutcome): void {
  if (outcome.ok) return;
  expect(typeof outcome.error.message).toBe("string");
  expect(outcome.error.message.length).toBeGreaterThan(0);
  // The safety net in index.ts turns bugs into "internal error"; none may be reachable.
  expect(outcome.error.message).not.toContain("internal error");
  expect(outcome.error.position.offset).toBeGreaterThanOrEqual(0);
  expect(outcome.error.position.offset).toBeLessThanOrEqual(expression.length);
  expect(outcome.error.position.line).toBeGreaterThanOrEqual(1);
  expect(outcome.error.position.column).toBeGreaterThanOrEqual(1);
}

const specialNumbers = fc.constantFrom(
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
);
const resultValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  specialNumbers,
  fc.array(fc.oneof(fc.double(), specialNumbers), { maxLength: 6 }),
  fc.constant(undefined),
);

const TOKENS = [
  "result",
  "#",
  "#index",
  ".",
  "?.",
  "[",
  "]",
  "(",
  ")",
  "{",
  "}",
  ",",
  ":",
  "?",
  "??",
  "+",
  "-",
  "*",
  "/",
  "%",
  "**",
  "^",
  "==",
  "!=",
  "<",
  "<=",
  ">",
  ">=",
  "!",
  "&&",
  "||",
  "and",
  "or",
  "not",
  "in",
  "..",
  "|",
  "contains",
  "startsWith",
  "0",
  "1",
  "-1",
  "2.5",
  "1e309",
  "'a'",
  '"b\\n"',
  "nil",
  "true",
  "false",
  "len",
  "all",
  "any",
  "none",
  "one",
  "filter",
  "map",
  "count",
  "max",
  "min",
  "sum",
  "mean",
  "median",
  "abs",
  "round",
  "asInt",
  "asFloat",
  "isNaN",
  "isInf",
  "isNil",
  "default",
  "keys",
  "first",
  "constructor",
  "__proto__",
  "prototype",
  "1..5",
];

const tokenSoup = fc
  .array(fc.constantFrom(...TOKENS), { maxLength: 25 })
  .map((tokens) => tokens.join(" "));

/** Syntactically valid expressions built from the grammar, so evaluation paths get covered. */
const { expression } = fc.letrec<{ expression: string; atom: string }>((tie) => ({
  atom: fc.oneof(
    fc.constantFrom(
      "result",
      "nil",
      "true",
      "false",
      "'x'",
      "0",
      "1",
      "-1",
      "0.5",
      "1e300",
      "#",
      "#index",
    ),
    fc.integer({ min: -1000, max: 1000 }).map(String),
    fc
      .double({ noNaN: true, noDefaultInfinity: true })
      .map((d) => (Number.isInteger(d) ? `${d}.0` : String(d))),
    fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s)),
  ),
  expression: fc.oneof(
    { depthSize: "small" },
    tie("atom"),
    fc
      .tuple(
        tie("expression"),
        fc.constantFrom(
          "+",
          "-",
          "*",
          "/",
          "%",
          "**",
          "==",
          "!=",
          "<",
          ">=",
          "&&",
          "||",
          "in",
          "??",
          "..",
        ),
        tie("expression"),
      )
      .map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(fc.constantFrom("!", "-", "not "), tie("expression")).map(([op, a]) => `${op}(${a})`),
    fc.tuple(tie("expression"), tie("expression")).map(([a, b]) => `${a}[${b}]`),
    fc
      .tuple(tie("expression"), fc.constantFrom("a", "b", "constructor", "__proto__"))
      .map(([a, k]) => `${a}.${k}`),
    fc
      .tuple(
        fc.constantFrom("all", "any", "none", "one", "filter", "map", "count", "find", "sum"),
        tie("expression"),
        tie("expression"),
      )
      .map(([f, a, b]) => `${f}(${a}, {${b}})`),
    fc
      .tuple(
        fc.constantFrom(
          "len",
          "max",
          "min",
          "mean",
          "median",
          "abs",
          "round",
          "asInt",
          "asFloat",
          "isNaN",
          "isInf",
          "isNil",
          "string",
          "keys",
        ),
        tie("expression"),
      )
      .map(([f, a]) => `${f}(${a})`),
    fc.tuple(tie("expression"), tie("expression")).map(([a, b]) => `default(${a}, ${b})`),
    fc.array(tie("expression"), { maxLength: 3 }).map((items) => `[${items.join(", ")}]`),
    fc
      .tuple(tie("expression"), tie("expression"), tie("expression"))
      .map(([a, b, c]) => `(${a} ? ${b} : ${c})`),
  ),
}));

describe("the condition language never throws", () => {
  it("any string: a value or a positioned error", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), resultValue, (source, result) => {
        const outcome = evaluateCondition(source, { result }, { stepBudget: 20_000 });
        assertWellFormed(source, outcome);
      }),
      { numRuns: 800 },
    );
  });

  it("any token soup: a value or a positioned error", () => {
    fc.assert(
      fc.property(tokenSoup, resultValue, (source, result) => {
        const outcome = evaluateCondition(source, { result }, { stepBudget: 20_000 });
        assertWellFormed(source, outcome);
      }),
      { numRuns: 800 },
    );
  });

  it("any grammatical expression over any result: a value or a positioned error", () => {
    fc.assert(
      fc.property(expression, resultValue, (source, result) => {
        const compiled = compileCondition(source, { stepBudget: 20_000 });
        if (!compiled.ok) {
          assertWellFormed(source, compiled);
          return;
        }
        const first = compiled.program.evaluate({ result });
        assertWellFormed(source, first);
        // Compiled programs are reusable and deterministic.
        expect(compiled.program.evaluate({ result })).toEqual(first);
      }),
      { numRuns: 800 },
    );
  });

  it("does not let an expression alter data or prototypes", () => {
    fc.assert(
      fc.property(expression, (source) => {
        const result = { a: [1, 2], b: { c: 1 } };
        const before = JSON.stringify(result);
        evaluateCondition(source, { result }, { stepBudget: 20_000 });
        expect(JSON.stringify(result)).toBe(before);
        expect(Object.prototype).not.toHaveProperty("polluted");
      }),
      { numRuns: 500 },
    );
  });
});

describe("Go numeric semantics, differentially", () => {
  const literal = (d: number): string => (/^-?\d+$/.test(String(d)) ? `${d}.0` : String(d));

  it("float comparisons and arithmetic agree with IEEE 754", () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        (a, b) => {
          const env = { result: [a, b] };
          const at = (e: string) => evaluateCondition(e, env);
          expect(at("result[0] < result[1]")).toEqual({ ok: true, value: a < b });
          expect(at("result[0] == result[1]")).toEqual({ ok: true, value: a === b });
          expect(at("result[0] + result[1]")).toEqual({ ok: true, value: a + b });
          expect(at("result[0] / result[1]")).toEqual({ ok: true, value: a / b });
          expect(at(`${literal(Math.abs(a))} >= 0`)).toEqual({ ok: true, value: true });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("int arithmetic wraps like int64", () => {
    const int64 = fc.bigInt({ min: -(1n << 63n) + 1n, max: (1n << 63n) - 1n });
    fc.assert(
      fc.property(int64, int64, (a, b) => {
        const env = { a, b };
        const at = (e: string) => evaluateCondition(e, env);
        expect(at("a + b")).toEqual({ ok: true, value: BigInt.asIntN(64, a + b) });
        expect(at("a * b")).toEqual({ ok: true, value: BigInt.asIntN(64, a * b) });
        expect(at("a - b")).toEqual({ ok: true, value: BigInt.asIntN(64, a - b) });
        if (b !== 0n) expect(at("a % b")).toEqual({ ok: true, value: a % b });
        expect(at("a < b")).toEqual({ ok: true, value: a < b });
        expect(at(`${a} == a`)).toEqual({ ok: true, value: true });
      }),
      { numRuns: 300 },
    );
  });

  it("string literals round-trip any text through either quote style", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 20 }), (text) => {
        expect(evaluateCondition(JSON.stringify(text), {})).toEqual({ ok: true, value: text });
        const single = `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'").replaceAll("\n", "\\n")}'`;
        expect(evaluateCondition(single, {})).toEqual({ ok: true, value: text });
      }),
      { numRuns: 300 },
    );
  });
});
