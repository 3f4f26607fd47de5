// Starts the controller for the analysis benchmark with its AnalysisRun worker count, which
// the shared starter in ../scale does not pass (that benchmark is about Rollouts).
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";

/** SLUICE_BENCH_CONTROLLER_MAIN runs another build of the controller (an A/B comparison). */
const CONTROLLER_MAIN =
  process.env.SLUICE_BENCH_CONTROLLER_MAIN ??
  new URL("../../../controller/dist/main.js", import.meta.url).pathname;

export interface AnalysisController {
  child: ChildProcess;
  metricsPort: number;
}

/** Resolves once the controller logs its start line (with the metrics port); its log goes to logDir. */
export function startAnalysisController(
  kubeconfig: string,
  /** --analysis-threads; absent: the controller's default. */
  analysisThreads: number | undefined,
  logDir: string,
): Promise<AnalysisController> {
  // SLUICE_BENCH_CONTROLLER_NODE_FLAGS: Node/V8 flags for the controller alone (an A/B of a
  // heap setting, for example "--max-semi-space-size=32").
  const nodeFlags = (process.env.SLUICE_BENCH_CONTROLLER_NODE_FLAGS ?? "")
    .split(" ")
    .filter(Boolean);
  const child = spawn(
    process.execPath,
    [
      ...nodeFlags,
      CONTROLLER_MAIN,
      "--kubeconfig",
      kubeconfig,
      "--metrics-port",
      "0",
      ...(analysisThreads === undefined ? [] : ["--analysis-threads", String(analysisThreads)]),
    ],
    { stdio: ["ignore", "pipe", "inherit"], cwd: logDir },
  );
  child.stdout?.pipe(createWriteStream(join(logDir, "controller.log")));
  return new Promise((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer): void => {
      seen = (seen + chunk.toString()).slice(-100_000);
      const line = /^(.*"sluice-controller started".*)$/m.exec(seen)?.[1];
      if (line === undefined) return;
      child.stdout?.off("data", onData);
      const port = Number(/"port":(\d+)/.exec(line)?.[1]);
      if (Number.isInteger(port) && port > 0) resolve({ child, metricsPort: port });
      else reject(new Error(`controller start line carries no metrics port: ${line}`));
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) =>
      reject(
        new Error(`controller exited with ${String(code)} before starting: ${seen.slice(-2000)}`),
      ),
    );
  });
}
