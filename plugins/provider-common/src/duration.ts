// Durations in metric configs are Go duration strings (spec/analysis-and-providers.md,
// "Conventions"): `30s`, `5m`, `1h30m`, `1.5h`, `300ms`.

const unitMs: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds, or an Error whose message says what was wrong (`time: invalid duration "5x"`). */
export function parseGoDuration(text: string): number | Error {
  const invalid = () => new Error(`time: invalid duration ${JSON.stringify(text)}`);
  if (text === "0") return 0;
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    sign = rest.startsWith("-") ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === "") return invalid();
  let total = 0;
  const part = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== "") {
    const match = part.exec(rest);
    if (!match) {
      return /^(\d+\.?\d*|\.\d+)$/.test(rest)
        ? new Error(`time: missing unit in duration ${JSON.stringify(text)}`)
        : invalid();
    }
    const [whole, amount, unit] = match;
    total += Number(amount) * (unitMs[unit ?? ""] ?? Number.NaN);
    rest = rest.slice(whole.length);
  }
  if (!Number.isFinite(total)) return invalid();
  return sign * total;
}

/** `30s`, `1m30s`, `1.5s`: a millisecond count written back as a Go duration, for messages. */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return "0s";
  const parts: string[] = [];
  let rest = Math.abs(ms);
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  if (hours > 0) parts.push(`${hours}h`);
  if (minutes > 0) parts.push(`${minutes}m`);
  if (rest > 0 || parts.length === 0) parts.push(`${Number((rest / 1000).toFixed(3))}s`);
  return (ms < 0 ? "-" : "") + parts.join("");
}
