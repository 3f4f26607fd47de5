/**
 * Recursive-descent (precedence-climbing) parser for the condition language. Operator
 * precedence and associativity follow the original's engine (expr-lang), so conditions
 * written for it group the same way (spec/analysis-and-providers.md §4).
 */
import type { BinaryOperator, Node } from "./ast.js";
import { ExprError, positionAt } from "./errors.js";
import { type Token, tokenize } from "./lexer.js";
import { SIGNATURES } from "./signatures.js";

interface BinaryInfo {
  readonly operator: BinaryOperator;
  readonly precedence: number;
  readonly rightAssociative: boolean;
}

const BINARY: Readonly<Record<string, BinaryInfo>> = {
  "||": { operator: "||", precedence: 10, rightAssociative: false },
  or: { operator: "||", precedence: 10, rightAssociative: false },
  "&&": { operator: "&&", precedence: 15, rightAssociative: false },
  and: { operator: "&&", precedence: 15, rightAssociative: false },
  "==": { operator: "==", precedence: 20, rightAssociative: false },
  "!=": { operator: "!=", precedence: 20, rightAssociative: false },
  "<": { operator: "<", precedence: 20, rightAssociative: false },
  "<=": { operator: "<=", precedence: 20, rightAssociative: false },
  ">": { operator: ">", precedence: 20, rightAssociative: false },
  ">=": { operator: ">=", precedence: 20, rightAssociative: false },
  in: { operator: "in", precedence: 20, rightAssociative: false },
  contains: { operator: "contains", precedence: 20, rightAssociative: false },
  startsWith: { operator: "startsWith", precedence: 20, rightAssociative: false },
  endsWith: { operator: "endsWith", precedence: 20, rightAssociative: false },
  "..": { operator: "..", precedence: 25, rightAssociative: false },
  "+": { operator: "+", precedence: 30, rightAssociative: false },
  "-": { operator: "-", precedence: 30, rightAssociative: false },
  "*": { operator: "*", precedence: 60, rightAssociative: false },
  "/": { operator: "/", precedence: 60, rightAssociative: false },
  "%": { operator: "%", precedence: 60, rightAssociative: false },
  "**": { operator: "**", precedence: 100, rightAssociative: true },
  "^": { operator: "**", precedence: 100, rightAssociative: true },
  "??": { operator: "??", precedence: 500, rightAssociative: false },
};

const PIPE_PRECEDENCE = 1;
const UNARY_PRECEDENCE = 50;
/** Nesting bound so a hostile expression cannot exhaust the JS stack. */
const MAX_DEPTH = 100;
/** Longest expression accepted; conditions are one line of a manifest. */
export const MAX_EXPRESSION_LENGTH = 10_000;
const INT64_MAX = (1n << 63n) - 1n;

const RESERVED = new Set(["true", "false", "nil", "and", "or", "not", "in", "let"]);

export function parse(source: string): Node {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new ExprError(
      `expression is longer than ${MAX_EXPRESSION_LENGTH} characters`,
      positionAt(source, MAX_EXPRESSION_LENGTH),
    );
  }
  return new Parser(source, tokenize(source)).parseProgram();
}

class Parser {
  private index = 0;
  private depth = 0;
  private closureDepth = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: readonly Token[],
  ) {}

  parseProgram(): Node {
    if (this.peek().kind === "eof") this.fail("unexpected end of expression", this.peek());
    const node = this.parseExpression();
    const rest = this.peek();
    if (rest.kind !== "eof") this.fail(`unexpected token ${describe(rest)}`, rest);
    return node;
  }

  private peek(ahead = 0): Token {
    const token = this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)];
    if (token === undefined) throw new Error("token stream is empty");
    return token;
  }

  private next(): Token {
    const token = this.peek();
    if (this.index < this.tokens.length - 1) this.index++;
    return token;
  }

  private is(token: Token, value: string): boolean {
    return (token.kind === "operator" || token.kind === "bracket") && token.value === value;
  }

  private expect(value: string): Token {
    const token = this.next();
    if (!this.is(token, value)) this.fail(`expected ${value} but found ${describe(token)}`, token);
    return token;
  }

  private fail(message: string, token: Token): never {
    throw new ExprError(message, positionAt(this.source, token.offset));
  }

  private enter(token: Token): void {
    this.depth++;
    if (this.depth > MAX_DEPTH) this.fail(`expression nested deeper than ${MAX_DEPTH}`, token);
  }

  private parseExpression(): Node {
    const start = this.peek();
    this.enter(start);
    try {
      const test = this.parseBinary(0);
      if (!this.is(this.peek(), "?")) return test;
      const question = this.next();
      const consequent = this.parseExpression();
      this.expect(":");
      const alternate = this.parseExpression();
      return { kind: "conditional", test, consequent, alternate, offset: question.offset };
    } finally {
      this.depth--;
    }
  }

  /** The binary operator at the cursor and its width in tokens (-1 marks the pipe `|`). */
  private binaryAt(): { info: BinaryInfo; width: number } | undefined {
    const token = this.peek();
    if (token.kind === "operator" && token.value === "|") {
      return {
        info: { operator: "??", precedence: PIPE_PRECEDENCE, rightAssociative: false },
        width: -1,
      };
    }
    if (token.kind !== "operator" && token.kind !== "ident") return undefined;
    if (token.kind === "ident" && token.value === "not") {
      const after = this.peek(1);
      if (after.kind === "ident" && after.value === "in") {
        return {
          info: { operator: "not in", precedence: 20, rightAssociative: false },
          width: 2,
        };
      }
      return undefined;
    }
    const info = Object.hasOwn(BINARY, token.value) ? BINARY[token.value] : undefined;
    return info === undefined ? undefined : { info, width: 1 };
  }

  private parseBinary(minPrecedence: number): Node {
    let left = this.parseUnary();
    while (true) {
      const found = this.binaryAt();
      if (found === undefined || found.info.precedence < minPrecedence) return left;
      const operatorToken = this.peek();
      if (found.width === -1) {
        this.next();
        left = this.parsePipe(left);
        continue;
      }
      for (let i = 0; i < found.width; i++) this.next();
      this.enter(operatorToken);
      let right: Node;
      try {
        right = this.parseBinary(
          found.info.rightAssociative ? found.info.precedence : found.info.precedence + 1,
        );
      } finally {
        this.depth--;
      }
      left = {
        kind: "binary",
        operator: found.info.operator,
        left,
        right,
        offset: operatorToken.offset,
      };
    }
  }

  /** `x | f(a)` is `f(x, a)`. */
  private parsePipe(left: Node): Node {
    const name = this.next();
    if (name.kind !== "ident" || !this.is(this.peek(), "(")) {
      this.fail("expected a function call after |", name);
    }
    return this.parseCall(name, [left]);
  }

  private parseUnary(): Node {
    const token = this.peek();
    const isNot = token.kind === "ident" && token.value === "not";
    if (isNot || (token.kind === "operator" && ["!", "-", "+"].includes(token.value))) {
      this.next();
      this.enter(token);
      try {
        const operand = this.parseBinary(UNARY_PRECEDENCE);
        const operator = isNot ? "!" : (token.value as "!" | "-" | "+");
        return { kind: "unary", operator, operand, offset: token.offset };
      } finally {
        this.depth--;
      }
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePrimary(): Node {
    const token = this.next();
    switch (token.kind) {
      case "int":
        return { kind: "literal", value: this.parseInt(token), offset: token.offset };
      case "float": {
        const value = Number(token.value.replaceAll("_", ""));
        if (Number.isNaN(value)) this.fail("invalid float literal", token);
        return { kind: "literal", value, offset: token.offset };
      }
      case "string":
        return { kind: "literal", value: token.value, offset: token.offset };
      case "pointer":
        return this.parsePointer(token);
      case "ident":
        return this.parseIdentifier(token);
      case "bracket":
        if (token.value === "(") {
          const inner = this.parseExpression();
          this.expect(")");
          return inner;
        }
        if (token.value === "[") return this.parseArray(token);
        if (token.value === "{") return this.parseMap(token);
        break;
      case "operator":
        // `.name` inside a closure is `#.name`.
        if (token.value === "." && this.closureDepth > 0 && this.peek().kind === "ident") {
          const name = this.next();
          return {
            kind: "member",
            object: { kind: "pointer", name: "", offset: token.offset },
            property: { kind: "literal", value: name.value, offset: name.offset },
            optional: false,
            offset: token.offset,
          };
        }
        break;
      default:
        break;
    }
    return this.fail(`unexpected token ${describe(token)}`, token);
  }

  private parseInt(token: Token): bigint {
    const text = token.value.replaceAll("_", "");
    let value: bigint;
    try {
      value = BigInt(text);
    } catch {
      return this.fail("invalid integer literal", token);
    }
    if (value > INT64_MAX) this.fail("integer literal is too large", token);
    return value;
  }

  private parsePointer(token: Token): Node {
    if (this.closureDepth === 0) this.fail("cannot use # outside of a closure", token);
    if (token.value !== "" && token.value !== "index") {
      this.fail(`unknown pointer #${token.value}`, token);
    }
    return { kind: "pointer", name: token.value, offset: token.offset };
  }

  private parseIdentifier(token: Token): Node {
    switch (token.value) {
      case "true":
        return { kind: "literal", value: true, offset: token.offset };
      case "false":
        return { kind: "literal", value: false, offset: token.offset };
      case "nil":
        return { kind: "literal", value: null, offset: token.offset };
      default:
        break;
    }
    if (this.is(this.peek(), "(")) return this.parseCall(token, []);
    if (RESERVED.has(token.value)) this.fail(`unexpected token ${describe(token)}`, token);
    return { kind: "identifier", name: token.value, offset: token.offset };
  }

  private parseCall(name: Token, piped: Node[]): Node {
    const signature = SIGNATURES.get(name.value);
    if (signature === undefined) this.fail(`unknown func ${name.value}`, name);
    this.expect("(");
    const args = [...piped];
    while (!this.is(this.peek(), ")")) {
      if (args.length > piped.length) this.expect(",");
      if (this.is(this.peek(), ")")) break; // trailing comma
      if (args.length === signature.closureArg) args.push(this.parseClosure());
      else args.push(this.parseExpression());
    }
    this.expect(")");
    if (args.length < signature.minArgs || args.length > signature.maxArgs) {
      const wanted =
        signature.minArgs === signature.maxArgs
          ? `${signature.minArgs}`
          : signature.maxArgs === Number.POSITIVE_INFINITY
            ? `at least ${signature.minArgs}`
            : `${signature.minArgs} to ${signature.maxArgs}`;
      this.fail(`${name.value}() takes ${wanted} argument(s), got ${args.length}`, name);
    }
    return { kind: "call", callee: name.value, args, offset: name.offset };
  }

  private parseClosure(): Node {
    const start = this.peek();
    this.closureDepth++;
    try {
      if (this.is(start, "{")) {
        this.next();
        const body = this.parseExpression();
        this.expect("}");
        return { kind: "closure", body, offset: start.offset };
      }
      return { kind: "closure", body: this.parseExpression(), offset: start.offset };
    } finally {
      this.closureDepth--;
    }
  }

  private parseArray(open: Token): Node {
    const elements: Node[] = [];
    while (!this.is(this.peek(), "]")) {
      if (elements.length > 0) this.expect(",");
      if (this.is(this.peek(), "]")) break;
      elements.push(this.parseExpression());
    }
    this.expect("]");
    return { kind: "array", elements, offset: open.offset };
  }

  private parseMap(open: Token): Node {
    const entries: { key: Node; value: Node }[] = [];
    while (!this.is(this.peek(), "}")) {
      if (entries.length > 0) this.expect(",");
      if (this.is(this.peek(), "}")) break;
      const keyToken = this.peek();
      let key: Node;
      if (keyToken.kind === "ident" || keyToken.kind === "string") {
        this.next();
        key = { kind: "literal", value: keyToken.value, offset: keyToken.offset };
      } else if (keyToken.kind === "int" || keyToken.kind === "float") {
        this.next();
        key = { kind: "literal", value: keyToken.value, offset: keyToken.offset };
      } else if (this.is(keyToken, "(")) {
        this.next();
        key = this.parseExpression();
        this.expect(")");
      } else {
        return this.fail(`a map key must be a name, a string or (expression)`, keyToken);
      }
      this.expect(":");
      entries.push({ key, value: this.parseExpression() });
    }
    this.expect("}");
    return { kind: "map", entries, offset: open.offset };
  }

  private parsePostfix(start: Node): Node {
    let node = start;
    let links = 0;
    while (true) {
      const token = this.peek();
      const optional = this.is(token, "?.");
      if (this.is(token, ".") || optional) {
        if (++links > MAX_DEPTH) this.fail(`expression nested deeper than ${MAX_DEPTH}`, token);
        this.next();
        if (optional && this.is(this.peek(), "[")) {
          node = this.parseIndex(node, true);
          continue;
        }
        const name = this.next();
        if (name.kind !== "ident") this.fail(`expected a name after ${token.value}`, name);
        node = {
          kind: "member",
          object: node,
          property: { kind: "literal", value: name.value, offset: name.offset },
          optional,
          offset: name.offset,
        };
        continue;
      }
      if (this.is(token, "[")) {
        if (++links > MAX_DEPTH) this.fail(`expression nested deeper than ${MAX_DEPTH}`, token);
        node = this.parseIndex(node, false);
        continue;
      }
      if (this.is(token, "(")) this.fail("only built-in functions can be called", token);
      return node;
    }
  }

  /** After `[` (or `?.[`): an index `a[i]` or a slice `a[i:j]`. */
  private parseIndex(object: Node, optional: boolean): Node {
    const open = this.expect("[");
    let from: Node | undefined;
    if (!this.is(this.peek(), ":")) {
      from = this.parseExpression();
      if (this.is(this.peek(), "]")) {
        this.next();
        return { kind: "member", object, property: from, optional, offset: open.offset };
      }
    }
    this.expect(":");
    const to = this.is(this.peek(), "]") ? undefined : this.parseExpression();
    this.expect("]");
    return { kind: "slice", object, from, to, offset: open.offset };
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case "eof":
      return "end of expression";
    case "string":
      return JSON.stringify(token.value);
    case "pointer":
      return `#${token.value}`;
    default:
      return JSON.stringify(token.value);
  }
}
