// Command-line parsing with node:util parseArgs: one table of flags, then a check that each
// flag given belongs to the command given (so `abort --full` is an error, not ignored).
import { parseArgs } from "node:util";
import { CliError } from "./errors.js";

const OPTIONS = {
  kubeconfig: { type: "string" },
  context: { type: "string" },
  namespace: { type: "string", short: "n" },
  "all-namespaces": { type: "boolean", short: "A" },
  help: { type: "boolean", short: "h" },
  watch: { type: "boolean", short: "w" },
  "no-watch": { type: "boolean" },
  timeout: { type: "string", short: "t" },
  full: { type: "boolean" },
  "to-revision": { type: "string" },
  in: { type: "string" },
  filename: { type: "string", short: "f" },
  from: { type: "string" },
  global: { type: "boolean" },
  name: { type: "string" },
  "generate-name": { type: "string" },
  argument: { type: "string", short: "a", multiple: true },
  short: { type: "boolean" },
} as const;

export type FlagName = keyof typeof OPTIONS;

export const GLOBAL_FLAGS: readonly FlagName[] = [
  "kubeconfig",
  "context",
  "namespace",
  "all-namespaces",
  "help",
];

export interface Flags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces: boolean;
  help: boolean;
  /** undefined when neither --watch nor --watch=false was given. */
  watch?: boolean;
  timeout?: string;
  full: boolean;
  toRevision?: string;
  in?: string;
  filename?: string;
  from?: string;
  global: boolean;
  name?: string;
  generateName?: string;
  arguments: string[];
  short: boolean;
}

export interface ParsedArgs {
  /** Words that are not flags: the command path and its operands. */
  words: string[];
  flags: Flags;
  /** Flags the user gave, by long name, for the per-command check. */
  given: FlagName[];
}

/** `--watch=false` is how the original turns watching off; parseArgs booleans take no value. */
function normalise(argv: readonly string[]): string[] {
  return argv.map((arg) => {
    if (arg === "--watch=false" || arg === "-w=false") return "--no-watch";
    if (arg === "--watch=true" || arg === "-w=true") return "--watch";
    return arg;
  });
}

export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({
      args: normalise(argv),
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown !== null) throw new CliError(`unknown flag ${unknown[1]}; see --help`);
    const first = message.split(/\. |\n/)[0] ?? message;
    throw new CliError(`${first}; see --help`);
  }
  const v = parsed.values;
  const given = (Object.keys(v) as FlagName[]).filter((key) => v[key] !== undefined);
  const watch = v["no-watch"] === true ? false : v.watch === true ? true : undefined;
  const flags: Flags = {
    allNamespaces: v["all-namespaces"] === true,
    help: v.help === true,
    full: v.full === true,
    global: v.global === true,
    arguments: v.argument ?? [],
    short: v.short === true,
  };
  if (v.kubeconfig !== undefined) flags.kubeconfig = v.kubeconfig;
  if (v.context !== undefined) flags.context = v.context;
  if (v.namespace !== undefined) flags.namespace = v.namespace;
  if (watch !== undefined) flags.watch = watch;
  if (v.timeout !== undefined) flags.timeout = v.timeout;
  if (v["to-revision"] !== undefined) flags.toRevision = v["to-revision"];
  if (v.in !== undefined) flags.in = v.in;
  if (v.filename !== undefined) flags.filename = v.filename;
  if (v.from !== undefined) flags.from = v.from;
  if (v.name !== undefined) flags.name = v.name;
  if (v["generate-name"] !== undefined) flags.generateName = v["generate-name"];
  return { words: parsed.positionals, flags, given };
}

/** Rejects flags that the command does not take (global flags are always allowed). */
export function checkFlags(args: ParsedArgs, command: string, allowed: readonly FlagName[]): void {
  for (const flag of args.given) {
    if (GLOBAL_FLAGS.includes(flag) || allowed.includes(flag)) continue;
    const shown = flag === "no-watch" ? "--watch" : `--${flag}`;
    throw new CliError(`unknown flag ${shown} for "${command}"; see ${command} --help`);
  }
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go-style durations as the original takes them: 30s, 1m30s, 2h, 500ms; a bare number is seconds. */
export function parseDuration(text: string, flag: string): number {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  const consumed = parts.map((p) => p[0]).join("");
  if (parts.length === 0 || consumed !== text) {
    throw new CliError(`invalid ${flag} "${text}": use a duration such as 30s, 5m or 1h30m`);
  }
  return parts.reduce((total, p) => total + Number(p[1]) * (UNIT_MS[p[2] ?? "s"] ?? 1000), 0);
}

export function parseNonNegativeInt(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw new CliError(`invalid ${flag} "${text}": expected a whole number`);
  return Number(text);
}
