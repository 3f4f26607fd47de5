// A built router executable on a unix socket as the controller talks to it: started, waited
// for until its health service answers SERVING, initialised, used, then stopped with SIGTERM.
import { connectTrafficRouter, type TrafficRouterClient } from "@sluice/sdk";
import { startPluginProcess, waitFor } from "./cluster.js";

export type InitAnswer = Awaited<ReturnType<TrafficRouterClient["init"]>>;

export interface RouterExit {
  exitCode: number | null;
  /** The tail of the plugin's stdout and stderr, to show when the exit code is wrong. */
  output: string;
}

/**
 * Runs `use` against the plugin at `main` started with `args`. The plugin is stopped even when
 * `use` throws (the error is then passed on); otherwise resolves with how the plugin exited.
 */
export async function withServingRouter(
  main: string,
  args: readonly string[],
  startupTimeoutMs: number,
  use: (client: TrafficRouterClient, init: InitAnswer) => Promise<void>,
): Promise<RouterExit> {
  const plugin = await startPluginProcess(main, args);
  const client = connectTrafficRouter(plugin.address, { timeoutMs: 10_000 });
  let exitCode: number | null = null;
  try {
    await waitFor(
      "the plugin to answer its health service",
      () => client.health(),
      (status) => status === "SERVING",
      startupTimeoutMs,
    );
    await use(client, await client.init({ controllerVersion: "test" }));
  } finally {
    client.close();
    exitCode = await plugin.stop();
  }
  return { exitCode, output: plugin.output() };
}
