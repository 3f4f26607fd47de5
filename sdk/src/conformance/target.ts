// Starting the plugin under test (for --command), waiting until it answers, and stopping it
// with SIGTERM, keeping the tail of its output for failure messages.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LISTEN_ENV } from "../address.js";

/** Splits a command line on spaces, honouring '...' and "..." quoting and backslash escapes. */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  let current = "";
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let index = 0; index < command.length; index++) {
    const char = command.charAt(index);
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else if (char === "\\" && quote === '"' && index + 1 < command.length)
        current += command.charAt(++index);
      else current += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === "\\" && index + 1 < command.length) {
      current += command.charAt(++index);
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quote !== undefined) throw new Error(`unterminated ${quote} quote in command: ${command}`);
  if (inWord) words.push(current);
  return words;
}

export interface StartedPlugin {
  readonly address: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  hasExited(): boolean;
  outputTail(): string;
  /** Kills the process (SIGKILL) if it still runs, and removes the socket directory. */
  dispose(): Promise<void>;
}

export async function startPlugin(command: string | readonly string[]): Promise<StartedPlugin> {
  const argv = typeof command === "string" ? splitCommand(command) : [...command];
  const [program, ...args] = argv;
  if (program === undefined) throw new Error("--command is empty");
  const dir = await mkdtemp(join(tmpdir(), "sluice-conformance-"));
  const address = `unix://${join(dir, "plugin.sock")}`;
  const child = spawn(program, args, {
    env: { ...process.env, [LISTEN_ENV]: address },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(
      ...chunk
        .toString("utf8")
        .split("\n")
        .filter((line) => line !== ""),
    );
    if (lines.length > 20) lines.splice(0, lines.length - 20);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => {
      done = true;
      resolve(code ?? signal ?? "unknown");
    });
    child.once("error", (error) => {
      done = true;
      lines.push(`cannot start ${program}: ${error.message}`);
      resolve("spawn-error");
    });
  });
  return {
    address,
    child,
    exited,
    hasExited: () => done,
    outputTail: () => lines.slice(-8).join("\n"),
    dispose: async () => {
      if (!done) child.kill("SIGKILL");
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
