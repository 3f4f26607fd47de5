// Go duration strings (`30s`, `1h30m`, `500ms`) as the original accepts them in pause
// steps, metric intervals and experiment durations.

const UNIT_SECONDS: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Seconds in a Go duration string, or undefined when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  let s = text;
  let sign = 1;
  if (s.startsWith("-") || s.startsWith("+")) {
    if (s.startsWith("-")) sign = -1;
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s === "") return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const start = PART.lastIndex;
    const m = PART.exec(s);
    if (m === null || m.index !== start) return undefined;
    const [, num, unit] = m;
    const factor = unit === undefined ? undefined : UNIT_SECONDS[unit];
    if (num === undefined || factor === undefined) return undefined;
    total += Number(num) * factor;
  }
  return sign * total;
}

/**
 * Whole seconds of a pause duration (spec §1.3): an integer is seconds; a string is integer
 * seconds or a Go duration (truncated to whole seconds). Undefined when unparsable.
 */
export function durationSeconds(value: number | string): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) ? value : undefined;
  if (/^[-+]?\d+$/.test(value)) return Number.parseInt(value, 10);
  const seconds = parseGoDuration(value);
  return seconds === undefined ? undefined : Math.trunc(seconds);
}
