/**
 * The value model of the condition language, following Go's (the original's) semantics:
 * integers are 64-bit and distinct from floats (we use `bigint` for int and `number` for
 * float64), JSON numbers coming from providers are floats, nil is `null`/`undefined`.
 *
 * Data is read only through own data properties of plain objects and arrays, so no
 * expression can reach a prototype, a getter or a function (`result.constructor` is nil).
 */

/** Anything an expression can see; classify with `kindOf`. */
export type Value = unknown;

export type Kind = "nil" | "bool" | "int" | "float" | "string" | "array" | "map" | "unsupported";

export type PlainMap = { readonly [key: string]: unknown };

export function isPlainMap(value: unknown): value is PlainMap {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function kindOf(value: unknown): Kind {
  if (value === null || value === undefined) return "nil";
  switch (typeof value) {
    case "boolean":
      return "bool";
    case "bigint":
      return "int";
    case "number":
      return "float";
    case "string":
      return "string";
    default:
      break;
  }
  if (Array.isArray(value)) return "array";
  if (isPlainMap(value)) return "map";
  return "unsupported";
}

/** Go's `%T` spelling, which the original's messages use (`expected bool, but got int`). */
export function typeName(value: unknown): string {
  switch (kindOf(value)) {
    case "nil":
      return "<nil>";
    case "bool":
      return "bool";
    case "int":
      return "int";
    case "float":
      return "float64";
    case "string":
      return "string";
    case "array":
      return "[]interface {}";
    case "map":
      return "map[string]interface {}";
    default:
      return "unsupported value";
  }
}

/** Own data property of a plain map; never runs a getter or walks the prototype chain. */
export function ownProperty(map: PlainMap, key: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(map, key);
  return descriptor !== undefined && "value" in descriptor ? descriptor.value : undefined;
}

/** Array element by index (already range-checked); holes read as nil. */
export function arrayElement(array: readonly unknown[], index: number): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(array, index);
  return descriptor !== undefined && "value" in descriptor ? descriptor.value : undefined;
}

export function ownKeys(map: PlainMap): string[] {
  return Object.keys(map);
}

/** A fresh map without a prototype, so a `__proto__` key is just a key. */
export function newMap(entries: Iterable<readonly [string, unknown]>): PlainMap {
  const map: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of entries) {
    Object.defineProperty(map, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return map;
}

/** Go int64 wrap-around. */
export function wrapInt(value: bigint): bigint {
  return BigInt.asIntN(64, value);
}

export function isNumber(value: unknown): value is number | bigint {
  return typeof value === "number" || typeof value === "bigint";
}

export function toFloat(value: number | bigint): number {
  return typeof value === "bigint" ? Number(value) : value;
}

/**
 * Equality as the original's `==`: numbers compare by value across int and float (NaN is
 * never equal), other values by kind and content. Arrays and maps compare element-wise with
 * the same rule (the original compares them type-strictly, so `[1] == [1.0]` differs; ours
 * says true, which is what a reader expects).
 */
export function valuesEqual(a: unknown, b: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  const ka = kindOf(a);
  const kb = kindOf(b);
  if ((ka === "int" || ka === "float") && (kb === "int" || kb === "float")) {
    if (ka === "int" && kb === "int") return a === b;
    return toFloat(a as number | bigint) === toFloat(b as number | bigint);
  }
  if (ka !== kb) return false;
  switch (ka) {
    case "nil":
      return true;
    case "bool":
    case "string":
      return a === b;
    case "array": {
      const xa = a as readonly unknown[];
      const xb = b as readonly unknown[];
      if (xa.length !== xb.length) return false;
      for (let i = 0; i < xa.length; i++) {
        if (!valuesEqual(arrayElement(xa, i), arrayElement(xb, i), depth + 1)) return false;
      }
      return true;
    }
    case "map": {
      const ma = a as PlainMap;
      const mb = b as PlainMap;
      const keysA = ownKeys(ma);
      if (keysA.length !== ownKeys(mb).length) return false;
      for (const key of keysA) {
        if (!Object.hasOwn(mb, key)) return false;
        if (!valuesEqual(ownProperty(ma, key), ownProperty(mb, key), depth + 1)) return false;
      }
      return true;
    }
    default:
      return a === b;
  }
}

/** Go's `%v`-like rendering, for `string()` and error messages. */
export function formatValue(value: unknown, depth = 0): string {
  if (depth > 8) return "...";
  switch (kindOf(value)) {
    case "nil":
      return "<nil>";
    case "bool":
    case "int":
    case "string":
      return String(value);
    case "float":
      return formatFloat(value as number);
    case "array":
      return `[${(value as readonly unknown[])
        .slice(0, 50)
        .map((v) => formatValue(v, depth + 1))
        .join(" ")}]`;
    case "map": {
      const map = value as PlainMap;
      const keys = ownKeys(map).sort().slice(0, 50);
      return `map[${keys.map((k) => `${k}:${formatValue(ownProperty(map, k), depth + 1)}`).join(" ")}]`;
    }
    default:
      return "?";
  }
}

export function formatFloat(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}
