// Shared by the multi-process tests: run built plugins as child processes and wait for
// conditions with a deadline (never a bare sleep), reporting what was last seen.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const sdkDir = fileURLToPath(new URL("..", import.meta.url));
export const examplePath = (name: string): string => join(sdkDir, "examples", "dist", `${name}.js`);
export const fixturePath = (name: string): string =>
  join(sdkDir, "test", "dist", "fixtures", `${name}.js`);
// The committed bin shim, as `npx sluice-plugin-conformance` runs it.
export const cliPath = join(sdkDir, "bin", "sluice-plugin-conformance.js");

export async function freshSocket(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-sdk-test-"));
  return `unix://${join(dir, `${name}.sock`)}`;
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastSeen = "nothing yet";
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastSeen = "condition not met";
    } catch (error) {
      lastSeen = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${lastSeen}`);
}

export interface Child {
  process: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

export function startNode(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Child {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const collect = (chunk: Buffer): void => {
    output.push(
      ...chunk
        .toString("utf8")
        .split("\n")
        .filter((line) => line !== ""),
    );
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  return { process: child, output, exited };
}
