// The Kubernetes JSONPath dialect (as `kubectl -o jsonpath` reads it), which the Web provider's
// `jsonPath` uses (spec/analysis-and-providers.md §5.3, default `{$}`). Written here rather than
// taken from npm: the npm JSONPath libraries implement Goessner's syntax (no `{...}` templates,
// different errors) and some evaluate filter scripts with JavaScript, which a template author
// must never reach. Supported inside `{...}`: `$`, `@`, `.name`, `..name`, `['name']`,
// `["name"]`, `[n]` (negative from the end), `[a:b]`, `[a:b:step]`, `[*]`, `.*`, unions
// `[a,b]`, and filters `[?(@.x == 'y')]` with `== != < <= > >=` or a bare `@.x` for existence.
// `range`/`end` blocks are refused. Text outside braces is kept as a literal result, as in
// Kubernetes.

export class JsonPathError extends Error {
  override readonly name = "JsonPathError";
}

type Step =
  | { kind: "root" }
  | { kind: "field"; name: string }
  | { kind: "recursive"; name: string | "*" }
  | { kind: "wildcard" }
  | { kind: "indexes"; indexes: number[] }
  | { kind: "slice"; start?: number; end?: number; step?: number }
  | { kind: "names"; names: string[] }
  | { kind: "filter"; filter: Filter };

type Operand = { kind: "path"; steps: Step[] } | { kind: "literal"; value: unknown };
interface Filter {
  left: Operand;
  operator?: "==" | "!=" | "<" | "<=" | ">" | ">=";
  right?: Operand;
}

type Segment = { kind: "text"; text: string } | { kind: "path"; steps: Step[] };

export interface CompiledJsonPath {
  readonly source: string;
  readonly segments: readonly Segment[];
}

// The configuration is validated on every call, so compiled paths are kept by their text.
const compiledPaths = new Map<string, CompiledJsonPath>();
const MAX_COMPILED_PATHS = 1000;

export function compileJsonPath(source: string): CompiledJsonPath {
  const cached = compiledPaths.get(source);
  if (cached) return cached;
  const compiled = compileUncached(source);
  if (compiledPaths.size >= MAX_COMPILED_PATHS) compiledPaths.clear();
  compiledPaths.set(source, compiled);
  return compiled;
}

function compileUncached(source: string): CompiledJsonPath {
  const segments: Segment[] = [];
  let position = 0;
  while (position < source.length) {
    const open = source.indexOf("{", position);
    if (open < 0) {
      segments.push({ kind: "text", text: source.slice(position) });
      break;
    }
    if (open > position) segments.push({ kind: "text", text: source.slice(position, open) });
    const close = findClosingBrace(source, open);
    if (close < 0) throw new JsonPathError(`unclosed action in ${JSON.stringify(source)}`);
    const inner = source.slice(open + 1, close).trim();
    if (/^(range|end)\b/.test(inner)) {
      throw new JsonPathError(
        `"${inner.split(/\s/)[0]}" is not supported in a web metric jsonPath`,
      );
    }
    segments.push({ kind: "path", steps: new PathParser(inner, source).parsePath(false) });
    position = close + 1;
  }
  return { source, segments };
}

function findClosingBrace(source: string, open: number): number {
  let quote: string | undefined;
  for (let i = open + 1; i < source.length; i++) {
    const c = source[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "}") return i;
  }
  return -1;
}

class PathParser {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly template: string,
  ) {}

  private fail(message: string): never {
    throw new JsonPathError(
      `${message} at position ${this.position} of {${this.text}} in ${JSON.stringify(this.template)}`,
    );
  }

  private peek(offset = 0): string {
    return this.text[this.position + offset] ?? "";
  }

  private skipSpaces(): void {
    while (/\s/.test(this.peek())) this.position++;
  }

  /** A path; inside a filter it stops at an operator or `)`. */
  parsePath(inFilter: boolean): Step[] {
    const steps: Step[] = [];
    if (this.peek() === "$") {
      this.position++;
      steps.push({ kind: "root" });
    } else if (this.peek() === "@") {
      this.position++; // the current item: nothing to do
    }
    for (;;) {
      if (inFilter) this.skipSpaces();
      const c = this.peek();
      if (c === "") break;
      if (c === "." && this.peek(1) === ".") {
        this.position += 2;
        if (this.peek() === "*") {
          this.position++;
          steps.push({ kind: "recursive", name: "*" });
        } else {
          steps.push({ kind: "recursive", name: this.readName() });
        }
      } else if (c === ".") {
        this.position++;
        if (this.peek() === "*") {
          this.position++;
          steps.push({ kind: "wildcard" });
        } else if (this.peek() === "" || this.peek() === "}") {
          // `{.}` is the current object, as in Kubernetes.
        } else {
          steps.push({ kind: "field", name: this.readName() });
        }
      } else if (c === "[") {
        steps.push(this.readBracket());
      } else if (inFilter) {
        break;
      } else if (/\s/.test(c)) {
        this.skipSpaces();
        if (this.peek() !== "") this.fail("unexpected space");
      } else {
        this.fail(`unexpected ${JSON.stringify(c)}`);
      }
    }
    return steps;
  }

  private readName(): string {
    let name = "";
    while (this.position < this.text.length) {
      const c = this.peek();
      if (c === "\\" && this.peek(1) !== "") {
        name += this.peek(1);
        this.position += 2;
      } else if (/[\p{L}\p{N}_\-/]/u.test(c)) {
        name += c;
        this.position++;
      } else break;
    }
    if (name === "") this.fail("expected a field name");
    return name;
  }

  private readBracket(): Step {
    this.position++; // [
    this.skipSpaces();
    if (this.peek() === "?") {
      this.position++;
      this.skipSpaces();
      if (this.peek() !== "(") this.fail("expected ( after ?");
      this.position++;
      const filter = this.readFilter();
      this.skipSpaces();
      if (this.peek() !== ")") this.fail("expected ) closing the filter");
      this.position++;
      this.expectClose();
      return { kind: "filter", filter };
    }
    if (this.peek() === "*") {
      this.position++;
      this.expectClose();
      return { kind: "wildcard" };
    }
    if (this.peek() === "'" || this.peek() === '"') {
      const names = [this.readQuoted()];
      for (this.skipSpaces(); this.peek() === ","; this.skipSpaces()) {
        this.position++;
        this.skipSpaces();
        names.push(this.readQuoted());
      }
      this.expectClose();
      return { kind: "names", names };
    }
    const close = this.text.indexOf("]", this.position);
    if (close < 0) this.fail("expected ]");
    const body = this.text.slice(this.position, close).replace(/\s/g, "");
    this.position = close + 1;
    if (body.includes(":")) {
      const parts = body.split(":");
      if (parts.length > 3) this.fail(`invalid slice [${body}]`);
      const [start, end, step] = parts.map((part) => (part === "" ? undefined : this.toInt(part)));
      if (step === 0) this.fail("slice step cannot be 0");
      return { kind: "slice", start, end, step };
    }
    if (body === "") this.fail("empty []");
    return { kind: "indexes", indexes: body.split(",").map((part) => this.toInt(part)) };
  }

  private toInt(text: string): number {
    if (!/^-?\d+$/.test(text)) this.fail(`${JSON.stringify(text)} is not an integer`);
    return Number(text);
  }

  private expectClose(): void {
    this.skipSpaces();
    if (this.peek() !== "]") this.fail("expected ]");
    this.position++;
  }

  private readQuoted(): string {
    const quote = this.peek();
    if (quote !== "'" && quote !== '"') this.fail("expected a quoted string");
    this.position++;
    let value = "";
    while (this.peek() !== quote) {
      if (this.peek() === "") this.fail("unterminated string");
      if (this.peek() === "\\" && this.peek(1) !== "") {
        value += this.peek(1);
        this.position += 2;
      } else {
        value += this.peek();
        this.position++;
      }
    }
    this.position++;
    return value;
  }

  private readFilter(): Filter {
    this.skipSpaces();
    const left = this.readOperand();
    this.skipSpaces();
    const operator = /^(==|!=|<=|>=|<|>)/.exec(this.text.slice(this.position))?.[1] as
      | Filter["operator"]
      | undefined;
    if (!operator) return { left };
    this.position += operator.length;
    this.skipSpaces();
    return { left, operator, right: this.readOperand() };
  }

  private readOperand(): Operand {
    const c = this.peek();
    if (c === "@" || c === "$") return { kind: "path", steps: this.parsePath(true) };
    if (c === "'" || c === '"') return { kind: "literal", value: this.readQuoted() };
    const literal = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(
      this.text.slice(this.position),
    )?.[1];
    if (literal === undefined) this.fail("expected @, a string or a number in the filter");
    this.position += literal.length;
    return { kind: "literal", value: JSON.parse(literal) };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function childrenOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (isRecord(value))
    return Object.keys(value)
      .sort()
      .map((key) => value[key]);
  return [];
}

function evaluateSteps(steps: readonly Step[], root: unknown, current: unknown): unknown[] {
  let values: unknown[] = [current];
  for (const step of steps) {
    values = applyStep(step, values, root);
  }
  return values;
}

function applyStep(step: Step, values: unknown[], root: unknown): unknown[] {
  switch (step.kind) {
    case "root":
      return [root];
    case "field": {
      const found = values.filter(isRecord).filter((v) => Object.hasOwn(v, step.name));
      if (found.length === 0) throw new JsonPathError(`${step.name} is not found`);
      return found.map((v) => v[step.name]);
    }
    case "names": {
      const out: unknown[] = [];
      for (const name of step.names) {
        const found = values.filter(isRecord).filter((v) => Object.hasOwn(v, name));
        if (found.length === 0) throw new JsonPathError(`${name} is not found`);
        out.push(...found.map((v) => v[name]));
      }
      return out;
    }
    case "wildcard":
      return values.flatMap(childrenOf);
    case "recursive": {
      const out: unknown[] = [];
      const visit = (value: unknown) => {
        if (step.name === "*") out.push(...childrenOf(value));
        else if (isRecord(value) && Object.hasOwn(value, step.name)) out.push(value[step.name]);
        for (const child of childrenOf(value)) visit(child);
      };
      for (const value of values) visit(value);
      return out;
    }
    case "indexes":
      return values.flatMap((value) => {
        if (!Array.isArray(value))
          throw new JsonPathError(`${describe(value)} is not array or slice`);
        return step.indexes.map((index) => {
          const at = index < 0 ? value.length + index : index;
          if (at < 0 || at >= value.length) {
            throw new JsonPathError(
              `array index out of bounds: index ${index}, length ${value.length}`,
            );
          }
          return value[at];
        });
      });
    case "slice":
      return values.flatMap((value) => {
        if (!Array.isArray(value))
          throw new JsonPathError(`${describe(value)} is not array or slice`);
        const length = value.length;
        const clamp = (n: number) => Math.min(Math.max(n < 0 ? length + n : n, 0), length);
        const start = clamp(step.start ?? 0);
        const end = clamp(step.end ?? length);
        const stride = step.step ?? 1;
        const out: unknown[] = [];
        if (stride > 0) for (let i = start; i < end; i += stride) out.push(value[i]);
        else for (let i = end - 1; i >= start; i += stride) out.push(value[i]);
        return out;
      });
    case "filter":
      return values.flatMap((value) =>
        childrenOf(value).filter((item) => matches(step.filter, root, item)),
      );
  }
}

function operandValues(operand: Operand, root: unknown, item: unknown): unknown[] {
  if (operand.kind === "literal") return [operand.value];
  try {
    return evaluateSteps(operand.steps, root, item);
  } catch (error) {
    // A field the item lacks makes the filter false for that item, not the whole path fail.
    if (error instanceof JsonPathError) return [];
    throw error;
  }
}

function matches(filter: Filter, root: unknown, item: unknown): boolean {
  const left = operandValues(filter.left, root, item);
  if (!filter.operator || !filter.right)
    return left.length > 0 && left[0] !== false && left[0] !== null;
  const right = operandValues(filter.right, root, item);
  if (left.length === 0 || right.length === 0) return false;
  const a = left[0];
  const b = right[0];
  switch (filter.operator) {
    case "==":
      return JSON.stringify(a) === JSON.stringify(b);
    case "!=":
      return JSON.stringify(a) !== JSON.stringify(b);
    default: {
      if (
        !(
          (typeof a === "number" && typeof b === "number") ||
          (typeof a === "string" && typeof b === "string")
        )
      ) {
        return false;
      }
      if (filter.operator === "<") return a < b;
      if (filter.operator === "<=") return a <= b;
      if (filter.operator === ">") return a > b;
      return a >= b;
    }
  }
}

function describe(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** Every result of every segment, in order (text segments give their text). */
export function findResults(path: CompiledJsonPath, document: unknown): unknown[][] {
  return path.segments.map((segment) =>
    segment.kind === "text" ? [segment.text] : evaluateSteps(segment.steps, document, document),
  );
}
