/** Syntax tree of the condition language. `offset` points into the source for errors. */
import type { Value } from "./values.js";

export type BinaryOperator =
  | "||"
  | "&&"
  | "=="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "in"
  | "not in"
  | "contains"
  | "startsWith"
  | "endsWith"
  | ".."
  | "+"
  | "-"
  | "*"
  | "/"
  | "%"
  | "**"
  | "??";

export type UnaryOperator = "!" | "-" | "+";

export type Node =
  | { readonly kind: "literal"; readonly value: Value; readonly offset: number }
  | { readonly kind: "identifier"; readonly name: string; readonly offset: number }
  /** `#` (the closure's element) or `#index`. */
  | { readonly kind: "pointer"; readonly name: "" | "index"; readonly offset: number }
  | {
      readonly kind: "unary";
      readonly operator: UnaryOperator;
      readonly operand: Node;
      readonly offset: number;
    }
  | {
      readonly kind: "binary";
      readonly operator: BinaryOperator;
      readonly left: Node;
      readonly right: Node;
      readonly offset: number;
    }
  /** `a.b`, `a?.b`, `a[b]`: `property` is an expression (a string literal for `.b`). */
  | {
      readonly kind: "member";
      readonly object: Node;
      readonly property: Node;
      readonly optional: boolean;
      readonly offset: number;
    }
  | {
      readonly kind: "slice";
      readonly object: Node;
      readonly from: Node | undefined;
      readonly to: Node | undefined;
      readonly offset: number;
    }
  | {
      readonly kind: "call";
      readonly callee: string;
      readonly args: readonly Node[];
      readonly offset: number;
    }
  | { readonly kind: "closure"; readonly body: Node; readonly offset: number }
  | { readonly kind: "array"; readonly elements: readonly Node[]; readonly offset: number }
  | {
      readonly kind: "map";
      readonly entries: readonly { readonly key: Node; readonly value: Node }[];
      readonly offset: number;
    }
  | {
      readonly kind: "conditional";
      readonly test: Node;
      readonly consequent: Node;
      readonly alternate: Node;
      readonly offset: number;
    };
