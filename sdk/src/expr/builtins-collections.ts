/** Built-ins over arrays and maps (spec/analysis-and-providers.md §4.3), closures included. */

import {
  arrayArg,
  type Builtin,
  closureArg,
  numbersOf,
  predicateResult,
  scan,
  sumOf,
  utf8Length,
} from "./builtin-support.js";
import {
  arrayElement,
  isNumber,
  kindOf,
  ownKeys,
  ownProperty,
  type PlainMap,
  typeName,
} from "./values.js";

export const COLLECTION_BUILTINS: readonly (readonly [string, Builtin])[] = [
  [
    "len",
    ([value], ctx) => {
      switch (kindOf(value)) {
        case "array":
          return BigInt((value as readonly unknown[]).length);
        case "map":
          return BigInt(ownKeys(value as PlainMap).length);
        case "string":
          // Go counts bytes of the UTF-8 encoding.
          return BigInt(utf8Length(value as string));
        default:
          return ctx.fail(`invalid argument for len (type ${typeName(value)})`);
      }
    },
  ],
  ["all", (args, ctx) => scan("all", args, ctx, false, (m) => (m ? undefined : false)) ?? true],
  ["any", (args, ctx) => scan("any", args, ctx, false, (m) => (m ? true : undefined)) ?? false],
  ["none", (args, ctx) => scan("none", args, ctx, false, (m) => (m ? false : undefined)) ?? true],
  [
    "one",
    (args, ctx) => {
      let matches = 0;
      scan("one", args, ctx, false, (m) => {
        if (m) matches++;
        return matches > 1 ? true : undefined;
      });
      return matches === 1;
    },
  ],
  [
    "count",
    (args, ctx) => {
      let matches = 0n;
      if (args.length === 1) {
        for (const element of arrayArg("count", args[0], ctx)) {
          ctx.tick();
          if (predicateResult("count", element, ctx)) matches++;
        }
        return matches;
      }
      scan("count", args, ctx, false, (m) => {
        if (m) matches++;
        return undefined;
      });
      return matches;
    },
  ],
  [
    "filter",
    (args, ctx) => {
      const kept: unknown[] = [];
      scan("filter", args, ctx, false, (m, element) => {
        if (m) kept.push(element);
        return undefined;
      });
      return kept;
    },
  ],
  [
    "map",
    (args, ctx) => {
      const array = arrayArg("map", args[0], ctx);
      const mapper = closureArg(args, 1, ctx);
      return array.map((element, index) => {
        ctx.tick();
        return mapper.call(element, index);
      });
    },
  ],
  [
    "find",
    (args, ctx) => scan("find", args, ctx, false, (m, e) => (m ? { e } : undefined))?.e ?? null,
  ],
  [
    "findIndex",
    (args, ctx) =>
      scan("findIndex", args, ctx, false, (m, _e, i) => (m ? BigInt(i) : undefined)) ?? -1n,
  ],
  [
    "findLast",
    (args, ctx) => scan("findLast", args, ctx, true, (m, e) => (m ? { e } : undefined))?.e ?? null,
  ],
  [
    "findLastIndex",
    (args, ctx) =>
      scan("findLastIndex", args, ctx, true, (m, _e, i) => (m ? BigInt(i) : undefined)) ?? -1n,
  ],
  [
    "sum",
    (args, ctx) => {
      let values = arrayArg("sum", args[0], ctx);
      if (args.length === 2) {
        const mapper = closureArg(args, 1, ctx);
        values = values.map((element, index) => {
          ctx.tick();
          return mapper.call(element, index);
        });
      }
      return sumOf(numbersOf("sum", values, ctx));
    },
  ],
  [
    "get",
    ([collection, key]) => {
      // Like indexing, but nil instead of an error for a missing key or index.
      switch (kindOf(collection)) {
        case "map":
          return typeof key === "string"
            ? (ownProperty(collection as PlainMap, key) ?? null)
            : null;
        case "array": {
          const array = collection as readonly unknown[];
          if (!isNumber(key)) return null;
          let index = typeof key === "bigint" ? Number(key) : Math.trunc(key);
          if (index < 0) index += array.length;
          return index >= 0 && index < array.length ? (arrayElement(array, index) ?? null) : null;
        }
        default:
          return null;
      }
    },
  ],
  [
    "keys",
    ([value], ctx) => {
      if (kindOf(value) !== "map") ctx.fail(`cannot get keys from ${typeName(value)}`);
      return ownKeys(value as PlainMap);
    },
  ],
  [
    "values",
    ([value], ctx) => {
      if (kindOf(value) !== "map") ctx.fail(`cannot get values from ${typeName(value)}`);
      const map = value as PlainMap;
      return ownKeys(map).map((key) => ownProperty(map, key) ?? null);
    },
  ],
  [
    "first",
    ([value], ctx) => {
      const array = arrayArg("first", value, ctx);
      return array.length > 0 ? (arrayElement(array, 0) ?? null) : null;
    },
  ],
  [
    "last",
    ([value], ctx) => {
      const array = arrayArg("last", value, ctx);
      return array.length > 0 ? (arrayElement(array, array.length - 1) ?? null) : null;
    },
  ],
];
