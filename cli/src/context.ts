// What every command receives: the parsed command line, where to write, and the cluster
// (connected on first use, so `lint`, `version` and `completion` work without one).
import type { ParsedArgs } from "./args.js";
import type { Cluster } from "./kube.js";

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CommandContext {
  args: ParsedArgs;
  /** Operands after the command words, e.g. the rollout name. */
  operands: string[];
  stdout: Output;
  stderr: Output;
  env: NodeJS.ProcessEnv;
  /** The name the binary was invoked as: sluice or kubectl-argo-rollouts. */
  program: string;
  cluster(): Cluster;
  /** Resolves when the user interrupts (SIGINT / SIGTERM). */
  interrupted: Promise<void>;
}

/** Colour and escape codes only on a terminal, and never when NO_COLOR is set. */
export function useColour(ctx: CommandContext): boolean {
  return ctx.stdout.isTTY === true && (ctx.env.NO_COLOR ?? "") === "" && ctx.env.TERM !== "dumb";
}

export function sleep(ms: number, interrupted: Promise<void>): Promise<"slept" | "interrupted"> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve("slept"), ms);
    void interrupted.then(() => {
      clearTimeout(timer);
      resolve("interrupted");
    });
  });
}
