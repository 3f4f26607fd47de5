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
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    interrupt();
    // A second signal means the user really wants out now.
    process.on(signal, () => process.exit(130));
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
