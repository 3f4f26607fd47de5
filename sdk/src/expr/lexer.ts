/**
 * Tokenizer for the condition language (spec/analysis-and-providers.md §4). The surface
 * syntax follows the original's expression engine (expr-lang): Go-style numbers and string
 * escapes, word operators (`and`, `or`, `not`, `in`, ...) and `#` closure pointers.
 */
import { ExprError, positionAt } from "./errors.js";

export type TokenKind =
  | "int"
  | "float"
  | "string"
  | "ident"
  | "operator"
  | "bracket"
  | "pointer"
  | "eof";

export interface Token {
  readonly kind: TokenKind;
  /** Operator/bracket text, identifier name, decoded string, or the number's source text. */
  readonly value: string;
  readonly offset: number;
}

/** Longest operators first so `**` wins over `*`, `..` over `.`, `?.` over `?`. */
const OPERATORS = [
  "**",
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "??",
  "?.",
  "..",
  "+",
  "-",
  "*",
  "/",
  "%",
  "^",
  "<",
  ">",
  "!",
  "?",
  ":",
  ".",
  ",",
  "|",
  ";",
] as const;

const BRACKETS = "()[]{}";

function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

function isIdentStart(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_" || c === "$";
}

function isIdentPart(c: string): boolean {
  return isIdentStart(c) || isDigit(c);
}

function fail(source: string, message: string, offset: number): never {
  throw new ExprError(message, positionAt(source, offset));
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source.charAt(i);
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if (c === "/" && source.charAt(i + 1) === "/") {
      while (i < source.length && source.charAt(i) !== "\n") i++;
      continue;
    }
    if (c === "/" && source.charAt(i + 1) === "*") {
      const end = source.indexOf("*/", i + 2);
      if (end < 0) fail(source, "unterminated comment", i);
      i = end + 2;
      continue;
    }
    if (isDigit(c) || (c === "." && isDigit(source.charAt(i + 1)))) {
      i = readNumber(source, i, tokens);
      continue;
    }
    if (c === '"' || c === "'") {
      i = readQuoted(source, i, tokens);
      continue;
    }
    if (c === "`") {
      const end = source.indexOf("`", i + 1);
      if (end < 0) fail(source, "literal not terminated", i);
      tokens.push({ kind: "string", value: source.slice(i + 1, end), offset: i });
      i = end + 1;
      continue;
    }
    if (c === "#") {
      let j = i + 1;
      while (j < source.length && isIdentPart(source.charAt(j))) j++;
      tokens.push({ kind: "pointer", value: source.slice(i + 1, j), offset: i });
      i = j;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < source.length && isIdentPart(source.charAt(j))) j++;
      tokens.push({ kind: "ident", value: source.slice(i, j), offset: i });
      i = j;
      continue;
    }
    if (BRACKETS.includes(c)) {
      tokens.push({ kind: "bracket", value: c, offset: i });
      i++;
      continue;
    }
    const op = OPERATORS.find((candidate) => source.startsWith(candidate, i));
    if (op !== undefined) {
      // `?.` followed by a digit is a ternary with a float (`a ?.5 : 1`), as in expr.
      if (op === "?." && isDigit(source.charAt(i + 2))) {
        tokens.push({ kind: "operator", value: "?", offset: i });
        i++;
        continue;
      }
      tokens.push({ kind: "operator", value: op, offset: i });
      i += op.length;
      continue;
    }
    fail(source, `unexpected character ${JSON.stringify(c)}`, i);
  }
  tokens.push({ kind: "eof", value: "", offset: source.length });
  return tokens;
}

function readDigits(source: string, start: number, valid: (c: string) => boolean): number {
  let j = start;
  while (j < source.length && (valid(source.charAt(j)) || source.charAt(j) === "_")) j++;
  return j;
}

function readNumber(source: string, start: number, tokens: Token[]): number {
  const prefix = source.slice(start, start + 2).toLowerCase();
  if (prefix === "0x" || prefix === "0o" || prefix === "0b") {
    const valid =
      prefix === "0x"
        ? (c: string) => /[0-9a-fA-F]/.test(c)
        : prefix === "0o"
          ? (c: string) => c >= "0" && c <= "7"
          : (c: string) => c === "0" || c === "1";
    const end = readDigits(source, start + 2, valid);
    if (end === start + 2) fail(source, "invalid number literal", start);
    tokens.push({ kind: "int", value: source.slice(start, end), offset: start });
    return end;
  }
  let j = readDigits(source, start, isDigit);
  let isFloat = false;
  // `1..3` is a range, not the float `1.` followed by `.3`.
  if (source.charAt(j) === "." && source.charAt(j + 1) !== ".") {
    isFloat = true;
    j = readDigits(source, j + 1, isDigit);
  }
  if (source.charAt(j) === "e" || source.charAt(j) === "E") {
    let k = j + 1;
    if (source.charAt(k) === "+" || source.charAt(k) === "-") k++;
    if (!isDigit(source.charAt(k))) fail(source, "invalid exponent in number literal", j);
    j = readDigits(source, k, isDigit);
    isFloat = true;
  }
  if (isIdentStart(source.charAt(j))) fail(source, "invalid number literal", start);
  tokens.push({ kind: isFloat ? "float" : "int", value: source.slice(start, j), offset: start });
  return j;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\u0007",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  "'": "'",
  '"': '"',
};

function readQuoted(source: string, start: number, tokens: Token[]): number {
  const quote = source.charAt(start);
  let out = "";
  let i = start + 1;
  while (true) {
    if (i >= source.length) fail(source, "literal not terminated", start);
    const c = source.charAt(i);
    if (c === quote) break;
    if (c === "\n") fail(source, "literal not terminated", start);
    if (c !== "\\") {
      out += c;
      i++;
      continue;
    }
    const e = source.charAt(i + 1);
    const simple = Object.hasOwn(SIMPLE_ESCAPES, e) ? SIMPLE_ESCAPES[e] : undefined;
    if (simple !== undefined) {
      out += simple;
      i += 2;
      continue;
    }
    const hexLength = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
    if (hexLength > 0) {
      const digits = source.slice(i + 2, i + 2 + hexLength);
      if (digits.length !== hexLength || !/^[0-9a-fA-F]+$/.test(digits)) {
        fail(source, "invalid char escape", i);
      }
      const code = Number.parseInt(digits, 16);
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff && e !== "x")) {
        fail(source, "escape sequence is invalid Unicode code point", i);
      }
      out += String.fromCodePoint(code);
      i += 2 + hexLength;
      continue;
    }
    if (e >= "0" && e <= "7") {
      const digits = source.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(digits)) fail(source, "invalid char escape", i);
      const code = Number.parseInt(digits, 8);
      if (code > 255) fail(source, "octal escape value > 255", i);
      out += String.fromCharCode(code);
      i += 4;
      continue;
    }
    fail(source, "invalid char escape", i);
  }
  tokens.push({ kind: "string", value: out, offset: start });
  return i + 1;
}
