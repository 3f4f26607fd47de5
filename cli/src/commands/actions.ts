// The user actions on a Rollout (through the controller's actions library, so the CLI sends
// exactly the patches the controller expects) and terminate/retry on other kinds.
import { kubeRolloutActionsClient, type RolloutAction, runRolloutAction } from "@sluice/controller";
import { parseDuration, parseNonNegativeInt } from "../args.js";
import type { CommandContext } from "../context.js";
import { CliError, isNotFound } from "../errors.js";
import { getArgo, mergePatchArgo } from "../kube.js";

function oneName(ctx: CommandContext, command: string, operands = ctx.operands): string {
  const [name, ...extra] = operands;
  if (name === undefined) throw new CliError(`${command} needs a rollout name: ${command} NAME`);
  if (extra.length > 0) throw new CliError(`unexpected argument "${extra[0]}" for ${command}`);
  return name;
}

async function runAction(
  ctx: CommandContext,
  name: string,
  action: RolloutAction,
  done: string,
): Promise<number> {
  const cluster = ctx.cluster();
  try {
    const outcome = await runRolloutAction(
      kubeRolloutActionsClient(cluster.kubeConfig),
      cluster.namespace,
      name,
      action,
    );
    ctx.stdout.write(`${outcome.message ?? done}\n`);
    return 0;
  } catch (error) {
    if (isNotFound(error)) throw new CliError(`rollouts.argoproj.io "${name}" not found`);
    throw error;
  }
}

export async function rolloutActionCommand(ctx: CommandContext, command: string): Promise<number> {
  const flags = ctx.args.flags;
  switch (command) {
    case "promote": {
      const name = oneName(ctx, command);
      return runAction(
        ctx,
        name,
        { kind: "promote", full: flags.full },
        `rollout '${name}' ${flags.full ? "fully promoted" : "promoted"}`,
      );
    }
    case "abort": {
      const name = oneName(ctx, command);
      return runAction(ctx, name, { kind: "abort" }, `rollout '${name}' aborted`);
    }
    case "pause": {
      const name = oneName(ctx, command);
      return runAction(ctx, name, { kind: "pause" }, `rollout '${name}' paused`);
    }
    case "restart": {
      const name = oneName(ctx, command);
      const inMs = flags.in === undefined ? 0 : parseDuration(flags.in, "--in");
      const seconds = Math.round(inMs / 1000);
      return runAction(
        ctx,
        name,
        { kind: "restart", inSeconds: seconds },
        `rollout '${name}' restarts in ${seconds}s`,
      );
    }
    case "undo": {
      const name = oneName(ctx, command);
      const toRevision =
        flags.toRevision === undefined ? 0 : parseNonNegativeInt(flags.toRevision, "--to-revision");
      return runAction(ctx, name, { kind: "undo", toRevision }, `rollout '${name}' undo`);
    }
    case "set": {
      const [what, name, assignment, ...extra] = ctx.operands;
      if (what !== "image")
        throw new CliError('set supports only "set image NAME CONTAINER=IMAGE"');
      if (name === undefined || assignment === undefined || extra.length > 0) {
        throw new CliError("usage: set image NAME CONTAINER=IMAGE");
      }
      const eq = assignment.indexOf("=");
      if (eq <= 0 || eq === assignment.length - 1) {
        throw new CliError(
          `invalid "${assignment}": expected CONTAINER=IMAGE (use *=IMAGE for every container)`,
        );
      }
      const container = assignment.slice(0, eq);
      const image = assignment.slice(eq + 1);
      return runAction(
        ctx,
        name,
        { kind: "setImage", container, image },
        `rollout "${name}" image updated`,
      );
    }
    default:
      throw new CliError(`unknown command "${command}"`);
  }
}

/** retry rollout NAME | retry experiment NAME */
export async function retryCommand(ctx: CommandContext): Promise<number> {
  const [kind, ...rest] = ctx.operands;
  if (kind === "rollout" || kind === "rollouts" || kind === "ro") {
    const name = oneName(ctx, "retry rollout", rest);
    return runAction(ctx, name, { kind: "retry" }, `rollout '${name}' retried`);
  }
  if (kind === "experiment" || kind === "experiments" || kind === "exp") {
    const name = oneName(ctx, "retry experiment", rest);
    const cluster = ctx.cluster();
    await getArgo(cluster, "experiments", name);
    // The experiment controller starts over from an empty status.
    await mergePatchArgo(cluster, "experiments", name, { status: null }, "status");
    ctx.stdout.write(`experiment '${name}' retried\n`);
    return 0;
  }
  throw new CliError('retry needs a kind: "retry rollout NAME" or "retry experiment NAME"');
}

/** terminate analysisrun NAME | terminate experiment NAME: spec.terminate=true. */
export async function terminateCommand(ctx: CommandContext): Promise<number> {
  const [kind, ...rest] = ctx.operands;
  const plural =
    kind === "analysisrun" || kind === "analysisruns" || kind === "ar"
      ? "analysisruns"
      : kind === "experiment" || kind === "experiments" || kind === "exp"
        ? "experiments"
        : undefined;
  if (plural === undefined) {
    throw new CliError(
      'terminate needs a kind: "terminate analysisrun NAME" or "terminate experiment NAME"',
    );
  }
  const name = oneName(ctx, `terminate ${kind}`, rest);
  await mergePatchArgo(ctx.cluster(), plural, name, { spec: { terminate: true } });
  ctx.stdout.write(
    `${plural === "analysisruns" ? "analysisrun" : "experiment"} '${name}' terminated\n`,
  );
  return 0;
}
