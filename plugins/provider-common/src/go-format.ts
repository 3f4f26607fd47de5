// Values in a measurement are strings the user reads in `kubectl get analysisrun -o yaml`.
// spec/analysis-and-providers.md §5 fixes their form to what the original's Go code prints, so
// these helpers reproduce Go's `strconv.FormatFloat(v, 'f', -1, 64)` and `encoding/json`.

/**
 * Shortest decimal form without an exponent, as Go's `strconv.FormatFloat(v, 'f', -1, 64)`:
 * `0.97`, `1e-7` → `0.0000001`, `NaN`, `+Inf`, `-Inf`.
 */
export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  if (Object.is(value, -0)) return "-0";
  const shortest = String(value);
  const exponentAt = shortest.indexOf("e");
  if (exponentAt < 0) return shortest;
  // JavaScript already gives the shortest round-tripping digits; only the exponent form
  // differs, so move the decimal point by hand.
  const negative = shortest.startsWith("-");
  const mantissa = shortest.slice(negative ? 1 : 0, exponentAt);
  const exponent = Number(shortest.slice(exponentAt + 1));
  const pointAt = mantissa.indexOf(".");
  const digits = mantissa.replace(".", "");
  const integerDigits = (pointAt < 0 ? mantissa.length : pointAt) + exponent;
  let plain: string;
  if (integerDigits <= 0) {
    plain = `0.${"0".repeat(-integerDigits)}${digits}`;
  } else if (integerDigits >= digits.length) {
    plain = digits + "0".repeat(integerDigits - digits.length);
  } else {
    plain = `${digits.slice(0, integerDigits)}.${digits.slice(integerDigits)}`;
  }
  return negative ? `-${plain}` : plain;
}

/** `[0.97,0.95]`: a list of floats as the original's Prometheus and Datadog providers print it. */
export function formatGoFloatList(values: readonly number[]): string {
  return `[${values.map(formatGoFloat).join(",")}]`;
}

/**
 * JSON as Go's `json.Marshal` writes a value decoded from JSON: object keys sorted, `<`, `>`,
 * `&`, U+2028 and U+2029 escaped. Number formatting of JSON.stringify already matches Go's
 * for finite floats.
 */
export function goJsonMarshal(value: unknown): string {
  return JSON.stringify(sortKeys(value)).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort(compareGoStrings)) {
      sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
    }
    return sorted;
  }
  return value;
}

// Go sorts map keys by their UTF-8 bytes; comparing code points gives the same order.
function compareGoStrings(a: string, b: string): number {
  const left = Array.from(a);
  const right = Array.from(b);
  const length = Math.min(left.length, right.length);
  for (let i = 0; i < length; i++) {
    const l = left[i]?.codePointAt(0) ?? 0;
    const r = right[i]?.codePointAt(0) ?? 0;
    if (l !== r) return l - r;
  }
  return left.length - right.length;
}

/**
 * Parses a float as Go's `strconv.ParseFloat` accepts it in Prometheus sample values:
 * decimal or exponent notation, `NaN`, `Inf`, `+Inf`, `-Inf` (any case). Undefined if not a float.
 */
export function parseGoFloat(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed !== text || text === "") return undefined;
  const lower = text.toLowerCase();
  if (lower === "nan") return Number.NaN;
  if (lower === "inf" || lower === "+inf" || lower === "infinity" || lower === "+infinity") {
    return Number.POSITIVE_INFINITY;
  }
  if (lower === "-inf" || lower === "-infinity") return Number.NEGATIVE_INFINITY;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return undefined;
  return Number(text);
}

/**
 * `application/x-www-form-urlencoded` as Go's `url.Values.Encode`: keys sorted, everything but
 * `A-Z a-z 0-9 - _ . ~` percent-encoded, space as `+`. The Prometheus sample in
 * spec/analysis-and-providers.md §5.1 (`query=up%7Bjob%3D%22api%22%7D&time=...`) is this form.
 */
export function goFormEncode(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .sort()
    .map((key) => `${goQueryEscape(key)}=${goQueryEscape(params[key] ?? "")}`)
    .join("&");
}

export function goQueryEscape(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
