// get rollout --watch as a user sees it: in a pseudo-terminal (util-linux `script`) the
// screen is redrawn in place, in colour, as the rollout moves; through a pipe each changed
// frame is printed once with no escape codes. Ctrl-C ends the watch with exit code 0.
import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  canaryRollout,
  cliMain,
  type Harness,
  startHarness,
  waitFor,
  waitForRollout,
} from "./harness.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  await h.apply(canaryRollout("watched", "registry.local/app:v1"));
  await waitForRollout(h, "watched", "Healthy", (s) => s.phase === "Healthy");
  await h.cli("set", "image", "watched", "app=registry.local/app:v2");
  await waitForRollout(
    h,
    "watched",
    "paused at step 1",
    (s) => s.phase === "Paused" && s.step === 1,
  );
}, 180_000);

afterAll(async () => {
  await h?.close();
});

const CLEAR = "\x1b[H\x1b[2J";
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal colour codes is the point
const stripColour = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");

interface Watched {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function watch(command: string, args: string[]): Watched {
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  return { child, output: () => out, exited };
}

/** The last complete frame drawn on the terminal (text after the last clear-screen). */
function lastFrame(output: string): string {
  // The terminal turns each \n into \r\n.
  return stripColour(output.slice(output.lastIndexOf(CLEAR) + CLEAR.length)).replace(/\r\n/g, "\n");
}

async function exitCode(w: Watched, timeoutMs = 20_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const result = await Promise.race([w.exited, timeout]);
  clearTimeout(timer);
  if (result === "timeout") {
    w.child.kill("SIGKILL");
    throw new Error(`watch did not exit after Ctrl-C; output: ${w.output().slice(-500)}`);
  }
  return result;
}

describe("get rollout --watch", () => {
  it("redraws the screen in place on a terminal as the rollout moves, and exits on Ctrl-C", async () => {
    // exec: script runs the command through $SHELL or /bin/sh, and dash (without exec) dies
    // of the same Ctrl-C itself, which would hide the CLI's own exit code.
    const command = `exec ${process.execPath} ${cliMain} get rollout watched --watch --kubeconfig ${h.kubeconfig}`;
    const w = watch("script", ["-qfec", command, "/dev/null"]);
    await waitFor(
      "the first frame at step 1",
      async () => (lastFrame(w.output()).includes("  Step:          1/4\n") ? true : undefined),
      () => JSON.stringify(w.output().slice(-800)),
    );
    expect(w.output()).toContain(CLEAR);
    // Colour on a terminal: the paused status is drawn in yellow.
    expect(w.output()).toContain("\x1b[33m॥ Paused\x1b[0m");

    const promote = await h.cli("promote", "watched");
    expect(promote.code).toBe(0);
    // The rollout passes through step 3 while Progressing (the canary still scaling) before
    // it pauses there, so wait for the frame that shows both.
    const frame = await waitFor(
      "a redrawn frame paused at step 3",
      async () => {
        const f = lastFrame(w.output());
        return f.includes("  Step:          3/4\n") &&
          f.includes("Status:          ॥ Paused\n") &&
          f.includes("Replicas:")
          ? f
          : undefined;
      },
      () => JSON.stringify(lastFrame(w.output())),
    );
    expect(frame).toContain("Status:          ॥ Paused\n");
    expect(frame).toContain("  SetWeight:     67\n");
    expect(frame).toMatch(/⧉ watched-[a-z0-9]+ +ReplicaSet +✔ Healthy +\d+s +canary/);

    w.child.stdin?.write("\x03");
    const code = await exitCode(w);
    expect(
      code,
      `exit code after Ctrl-C; output ends: ${JSON.stringify(w.output().slice(-300))}`,
    ).toBe(0);
  }, 180_000);

  it("through a pipe prints each changed frame once, without escape codes", async () => {
    const w = watch(process.execPath, [
      cliMain,
      "get",
      "rollout",
      "watched",
      "--watch",
      "--kubeconfig",
      h.kubeconfig,
    ]);
    await waitFor(
      "the first frame",
      async () => (w.output().includes("Available:") ? true : undefined),
      () => JSON.stringify(w.output()),
    );
    const full = await h.cli("promote", "watched", "--full");
    expect(full.code).toBe(0);
    await waitFor(
      "a frame showing Healthy",
      async () => (w.output().includes("Status:          ✔ Healthy\n") ? true : undefined),
      () => JSON.stringify(w.output().slice(-800)),
    );
    w.child.kill("SIGINT");
    expect(await exitCode(w)).toBe(0);
    const output = w.output();
    expect(output).not.toContain("\x1b");
    const frames = output.split(/\n(?=Name: )/);
    expect(frames.length).toBeGreaterThanOrEqual(2);
    // A frame is printed only when something changed, so no two neighbours are equal.
    for (let i = 1; i < frames.length; i++) expect(frames[i]).not.toBe(frames[i - 1]);
    expect(frames[0]).toContain("Status:          ॥ Paused\n");
  }, 180_000);
});
