// Loaded with `node --import` (through NODE_OPTIONS, which Node 20 allows for --import but not
// for --cpu-prof) into every process of the analysis benchmark: devcluster, the controller and
// the plugin processes the controller starts. The first SIGUSR2 starts a CPU profile, the second
// writes it to $SLUICE_BENCH_PROFILE_DIR/<package>-<pid>.cpuprofile, so a profile covers the
// benchmark's measuring window only and not start-up or run creation. With
// SLUICE_BENCH_PROFILE_HEAP=1 it samples allocations instead (<package>-<pid>.heapprofile):
// what a pass allocates is what the young generation's collections cost.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { basename, dirname, join } from "node:path";

const dir = process.env.SLUICE_BENCH_PROFILE_DIR;
if (dir !== undefined && dir !== "") {
  const session = new Session();
  session.connect();
  let profiling = false;
  // <package>/dist/main.js → <package>: "controller", "web", "devcluster".
  const script = basename(dirname(dirname(process.argv[1] ?? "node")));
  const heap = process.env.SLUICE_BENCH_PROFILE_HEAP === "1";
  process.on("SIGUSR2", () => {
    if (heap) {
      profiling = !profiling;
      if (profiling) {
        // Every 32 KiB allocated on average; objects collected since stay in the sample.
        session.post("HeapProfiler.startSampling", {
          samplingInterval: 32 * 1024,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        });
        return;
      }
      session.post("HeapProfiler.stopSampling", (error, result) => {
        if (error !== null) {
          process.stderr.write(`heap profile of ${process.pid} failed: ${error.message}\n`);
          return;
        }
        writeFileSync(
          join(dir, `${script}-${process.pid}.heapprofile`),
          JSON.stringify(result.profile),
        );
      });
      return;
    }
    if (!profiling) {
      profiling = true;
      session.post("Profiler.enable", () => session.post("Profiler.start"));
      return;
    }
    profiling = false;
    session.post("Profiler.stop", (error, result) => {
      if (error !== null) {
        process.stderr.write(`profile of ${process.pid} failed: ${error.message}\n`);
        return;
      }
      writeFileSync(
        join(dir, `${script}-${process.pid}.cpuprofile`),
        JSON.stringify(result.profile),
      );
    });
  });
}
