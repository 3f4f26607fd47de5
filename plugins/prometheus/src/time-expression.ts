// `rangeQuery.start` / `.end` are expressions in the condition language that yield a time
// (spec/analysis-and-providers.md §4.1: `now() - duration("5m")`). This plugin evaluates the
// subset that makes sense for a time: `now()`, `duration("<go duration>")`,
// `date("<RFC 3339>")`, `+`, `-` and parentheses. Anything else is an error naming the column.
import { parseGoDuration } from "@sluice/provider-common";

type Value = { kind: "time"; ms: number } | { kind: "duration"; ms: number };

export class TimeExpressionError extends Error {
  override readonly name = "TimeExpressionError";
}

/** Epoch milliseconds of the time the expression denotes at `nowMs`. */
export function evaluateTimeExpression(source: string, nowMs: number): number {
  const parser = new Parser(source, nowMs);
  const value = parser.parseExpression();
  parser.expectEnd();
  if (value.kind !== "time") {
    throw new TimeExpressionError(
      `time expression ${JSON.stringify(source)} gives a duration, not a time: write e.g. now() - duration("5m")`,
    );
  }
  return value.ms;
}

class Parser {
  private position = 0;

  constructor(
    private readonly source: string,
    private readonly nowMs: number,
  ) {}

  private fail(message: string): never {
    throw new TimeExpressionError(
      `time expression ${JSON.stringify(this.source)}: ${message} at column ${this.position + 1}`,
    );
  }

  private skipSpaces(): void {
    while (/\s/.test(this.source[this.position] ?? "")) this.position++;
  }

  private take(text: string): boolean {
    this.skipSpaces();
    if (this.source.startsWith(text, this.position)) {
      this.position += text.length;
      return true;
    }
    return false;
  }

  expectEnd(): void {
    this.skipSpaces();
    if (this.position < this.source.length) this.fail("unexpected text");
  }

  parseExpression(): Value {
    let left = this.parseOperand();
    for (;;) {
      if (this.take("+")) left = combine(left, this.parseOperand(), 1, this);
      else if (this.take("-")) left = combine(left, this.parseOperand(), -1, this);
      else return left;
    }
  }

  private parseOperand(): Value {
    if (this.take("(")) {
      const inner = this.parseExpression();
      if (!this.take(")")) this.fail("expected )");
      return inner;
    }
    if (this.take("now")) {
      if (!this.take("(") || !this.take(")")) this.fail("expected now()");
      return { kind: "time", ms: this.nowMs };
    }
    if (this.take("duration")) {
      const text = this.parseCallArgument();
      const ms = parseGoDuration(text);
      if (ms instanceof Error) this.fail(ms.message);
      return { kind: "duration", ms };
    }
    if (this.take("date")) {
      const text = this.parseCallArgument();
      const ms = Date.parse(text);
      if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(ms)) {
        this.fail(`date ${JSON.stringify(text)} is not an RFC 3339 time`);
      }
      return { kind: "time", ms };
    }
    return this.fail('expected now(), duration("..."), date("...") or (');
  }

  private parseCallArgument(): string {
    if (!this.take("(")) this.fail("expected (");
    this.skipSpaces();
    const quote = this.source[this.position];
    if (quote !== '"' && quote !== "'") this.fail("expected a quoted string");
    const end = this.source.indexOf(quote, this.position + 1);
    if (end < 0) this.fail("unterminated string");
    const text = this.source.slice(this.position + 1, end);
    this.position = end + 1;
    if (!this.take(")")) this.fail("expected )");
    return text;
  }

  failWith(message: string): never {
    return this.fail(message);
  }
}

function combine(left: Value, right: Value, sign: 1 | -1, parser: Parser): Value {
  if (left.kind === "time" && right.kind === "duration") {
    return { kind: "time", ms: left.ms + sign * right.ms };
  }
  if (left.kind === "duration" && right.kind === "duration") {
    return { kind: "duration", ms: left.ms + sign * right.ms };
  }
  if (left.kind === "duration" && right.kind === "time" && sign === 1) {
    return { kind: "time", ms: left.ms + right.ms };
  }
  if (left.kind === "time" && right.kind === "time" && sign === -1) {
    return { kind: "duration", ms: left.ms - right.ms };
  }
  return parser.failWith(
    `cannot ${sign === 1 ? "add" : "subtract"} a ${right.kind} ${sign === 1 ? "to" : "from"} a ${left.kind}`,
  );
}
