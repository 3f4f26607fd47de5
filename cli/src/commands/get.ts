// get rollout NAME [--watch] and get experiment NAME [--watch].

import { type CommandContext, sleep, useColour } from "../context.js";
import { CliError } from "../errors.js";
import { experimentNode, type Owned, phaseStatus, rolloutInfo } from "../info.js";
import { type Cluster, getArgo, listArgo, listWorkloads } from "../kube.js";
import { renderRollout, renderTree, type Style, statusText } from "../render.js";
import { at, nameOf, str } from "../values.js";

/** How often --watch reads the cluster again. */
export const WATCH_INTERVAL_MS = 500;

/** Clear screen and move the cursor home: each frame replaces the last on a terminal. */
const CLEAR = "\x1b[H\x1b[2J";

async function owned(cluster: Cluster, namespace: string): Promise<Owned> {
  const [workloads, analysisRuns, experiments] = await Promise.all([
    listWorkloads(cluster, namespace),
    listArgo(cluster, "analysisruns", namespace),
    listArgo(cluster, "experiments", namespace),
  ]);
  return { ...workloads, analysisRuns, experiments };
}

type Frame = (style: Style) => string;

async function rolloutFrame(ctx: CommandContext, name: string): Promise<Frame> {
  const cluster = ctx.cluster();
  const [rollout, all] = await Promise.all([
    getArgo(cluster, "rollouts", name),
    owned(cluster, cluster.namespace),
  ]);
  const info = rolloutInfo(rollout, all);
  return (style) => renderRollout(info, style);
}

async function experimentFrame(ctx: CommandContext, name: string): Promise<Frame> {
  const cluster = ctx.cluster();
  const [experiment, all] = await Promise.all([
    getArgo(cluster, "experiments", name),
    owned(cluster, cluster.namespace),
  ]);
  const phase = str(at(experiment, "status", "phase")) ?? "Pending";
  const message = str(at(experiment, "status", "message"));
  return (style) => {
    const header = [
      `${"Name:".padEnd(17)}${nameOf(experiment)}`,
      `${"Namespace:".padEnd(17)}${cluster.namespace}`,
      `${"Status:".padEnd(17)}${statusText(phaseStatus(phase), style)}`,
    ];
    if (message !== undefined && message !== "") header.push(`${"Message:".padEnd(17)}${message}`);
    return `${[...header, "", ...renderTree(experimentNode(experiment, all), style)].join("\n")}\n`;
  };
}

/**
 * Prints one frame, or with --watch keeps printing until interrupted: on a terminal each
 * frame redraws the screen in place; elsewhere a frame is printed only when it changed
 * (ages aside), with no escape codes.
 */
async function show(ctx: CommandContext, fetch: () => Promise<Frame>): Promise<number> {
  const colour = useColour(ctx);
  if (ctx.args.flags.watch !== true) {
    ctx.stdout.write((await fetch())({ colour, now: new Date() }));
    return 0;
  }
  const tty = ctx.stdout.isTTY === true;
  let last = "";
  for (;;) {
    const frame = await fetch();
    const text = frame({ colour, now: new Date() });
    if (tty) {
      ctx.stdout.write(CLEAR + text);
    } else {
      // Ages move every second; compare frames rendered at a fixed instant instead.
      const key = frame({ colour: false, now: new Date(0) });
      if (key !== last) ctx.stdout.write(last === "" ? text : `\n${text}`);
      last = key;
    }
    if ((await sleep(WATCH_INTERVAL_MS, ctx.interrupted)) === "interrupted") return 0;
  }
}

export async function getCommand(ctx: CommandContext): Promise<number> {
  const [kind, name, ...extra] = ctx.operands;
  if (kind === undefined)
    throw new CliError('get needs a kind: "get rollout NAME" or "get experiment NAME"');
  if (name === undefined) throw new CliError(`get ${kind} needs a name: get ${kind} NAME`);
  if (extra.length > 0) throw new CliError(`unexpected argument "${extra[0]}" for get ${kind}`);
  switch (kind) {
    case "rollout":
    case "rollouts":
    case "ro":
      return show(ctx, () => rolloutFrame(ctx, name));
    case "experiment":
    case "experiments":
    case "exp":
      return show(ctx, () => experimentFrame(ctx, name));
    default:
      throw new CliError(`unknown kind "${kind}" for get: use rollout or experiment`);
  }
}
