// status NAME [--watch] [--timeout D]: for CI pipelines. Watches by default (as the original)
// until Healthy (exit 0) or Degraded (exit 1); a timeout is exit 1 too.
import { parseDuration } from "../args.js";
import { type CommandContext, sleep } from "../context.js";
import { CliError } from "../errors.js";
import { rolloutStatus } from "../info.js";
import { getArgo } from "../kube.js";

export const STATUS_POLL_MS = 500;

export async function statusCommand(ctx: CommandContext): Promise<number> {
  const [name, ...extra] = ctx.operands;
  if (name === undefined) throw new CliError("status needs a rollout name: status NAME");
  if (extra.length > 0) throw new CliError(`unexpected argument "${extra[0]}" for status`);
  const flags = ctx.args.flags;
  const watch = flags.watch ?? true;
  const timeoutMs = flags.timeout === undefined ? 0 : parseDuration(flags.timeout, "--timeout");
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
  const cluster = ctx.cluster();
  let printed = "";
  for (;;) {
    const { phase, message } = rolloutStatus(await getArgo(cluster, "rollouts", name));
    const line = message === "" ? phase : `${phase} - ${message}`;
    if (line !== printed) ctx.stdout.write(`${line}\n`);
    printed = line;
    if (phase === "Degraded") {
      throw new CliError(`The rollout is in a degraded state with message: ${message}`);
    }
    if (phase === "Healthy" || !watch) return 0;
    const left = deadline - Date.now();
    if (left <= 0) throw new CliError("The rollout status watch exceeded the timeout");
    if ((await sleep(Math.min(STATUS_POLL_MS, left), ctx.interrupted)) === "interrupted")
      return 130;
  }
}
