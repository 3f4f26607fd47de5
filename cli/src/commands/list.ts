// list rollouts [-A] and list experiments [-A]: kubectl-style tables.

import type { CommandContext } from "../context.js";
import { CliError } from "../errors.js";
import { currentSetWeight, rolloutStatus } from "../info.js";
import { listArgo } from "../kube.js";
import { humanAge, renderTable } from "../render.js";
import { arr, at, nameOf, num, str, timeOf } from "../values.js";

function rolloutRow(rollout: unknown): string[] {
  const canary = at(rollout, "spec", "strategy", "canary") !== undefined;
  const steps = arr(at(rollout, "spec", "strategy", "canary", "steps"));
  const index = num(at(rollout, "status", "currentStepIndex")) ?? 0;
  const n = (...path: string[]) => String(num(at(rollout, ...path)) ?? 0);
  const desired = String(num(at(rollout, "spec", "replicas")) ?? 1);
  return [
    nameOf(rollout),
    canary
      ? "Canary"
      : at(rollout, "spec", "strategy", "blueGreen") !== undefined
        ? "BlueGreen"
        : "-",
    rolloutStatus(rollout).phase,
    canary && steps.length > 0 ? `${Math.min(index, steps.length)}/${steps.length}` : "-",
    canary ? String(currentSetWeight(rollout)) : "-",
    `${n("status", "readyReplicas")}/${desired}`,
    desired,
    n("status", "updatedReplicas"),
    n("status", "availableReplicas"),
  ];
}

export async function listCommand(ctx: CommandContext): Promise<number> {
  const [kind, ...extra] = ctx.operands;
  if (extra.length > 0) throw new CliError(`unexpected argument "${extra[0]}" for list`);
  const cluster = ctx.cluster();
  const all = ctx.args.flags.allNamespaces;
  const namespace = all ? undefined : cluster.namespace;
  let header: string[];
  let rows: string[][];
  let items: unknown[];
  const byName = (a: unknown, b: unknown) =>
    (str(at(a, "metadata", "namespace")) ?? "").localeCompare(
      str(at(b, "metadata", "namespace")) ?? "",
    ) || nameOf(a).localeCompare(nameOf(b));
  switch (kind) {
    case "rollouts":
    case "rollout":
    case "ro":
      items = (await listArgo(cluster, "rollouts", namespace)).sort(byName);
      header = [
        "NAME",
        "STRATEGY",
        "STATUS",
        "STEP",
        "SET-WEIGHT",
        "READY",
        "DESIRED",
        "UP-TO-DATE",
        "AVAILABLE",
      ];
      rows = items.map(rolloutRow);
      break;
    case "experiments":
    case "experiment":
    case "exp": {
      items = (await listArgo(cluster, "experiments", namespace)).sort(byName);
      header = ["NAME", "STATUS", "AGE"];
      const now = new Date();
      rows = items.map((e) => [
        nameOf(e),
        str(at(e, "status", "phase")) ?? "Pending",
        humanAge(timeOf(at(e, "metadata", "creationTimestamp")), now),
      ]);
      break;
    }
    case undefined:
      throw new CliError('list needs a kind: "list rollouts" or "list experiments"');
    default:
      throw new CliError(`unknown kind "${kind}" for list: use rollouts or experiments`);
  }
  if (items.length === 0) {
    ctx.stderr.write(
      all ? "No resources found\n" : `No resources found in ${cluster.namespace} namespace.\n`,
    );
    return 0;
  }
  if (all) {
    header = ["NAMESPACE", ...header];
    rows = rows.map((row, i) => [str(at(items[i], "metadata", "namespace")) ?? "", ...row]);
  }
  ctx.stdout.write(renderTable(header, rows));
  return 0;
}
