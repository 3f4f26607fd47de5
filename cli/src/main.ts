#!/usr/bin/env node
// The sluice / kubectl-argo-rollouts binary.
import { basename } from "node:path";
import { runCli } from "./cli.js";

const invokedAs = basename(process.argv[1] ?? "sluice").replace(/\.js$/, "");
const program = invokedAs === "main" ? "sluice" : invokedAs;

let interrupt: () => void = () => undefined;
const interrupted = new Promise<void>((resolve) => {
  interrupt = resolve;
});
// The first Ctrl-C ends a watch cleanly (exit 0). A second one, pressed after the first had
// time to take effect, means the user really wants out now. Signals that arrive together
// (a terminal and a process group can both deliver one keypress) count as one.
let firstSignalAt = 0;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    const now = Date.now();
    if (firstSignalAt === 0) {
      firstSignalAt = now;
      interrupt();
      return;
    }
    if (now - firstSignalAt < 500) return;
    process.stderr.write(`interrupted again (${signal}): exiting now\n`);
    process.exit(130);
  });
}

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  program,
  interrupted,
});
process.exit(code);
