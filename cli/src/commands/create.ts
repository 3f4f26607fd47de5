// create analysisrun --from TEMPLATE [--global] [--name N | --generate-name P] [--argument k=v]...
// An AnalysisRun from a (Cluster)AnalysisTemplate, with the template's arguments filled in.
import { API_GROUP, API_VERSION } from "@sluice/controller";
import type { CommandContext } from "../context.js";
import { CliError } from "../errors.js";
import { createArgo, getArgo } from "../kube.js";
import { arr, at, nameOf, rec, str } from "../values.js";

function parseAssignments(values: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const value of values) {
    const eq = value.indexOf("=");
    if (eq <= 0) throw new CliError(`invalid --argument "${value}": expected NAME=VALUE`);
    out.set(value.slice(0, eq), value.slice(eq + 1));
  }
  return out;
}

/** The template's args with the given values; every arg must end with a value or valueFrom. */
export function resolveArgs(
  template: unknown,
  given: Map<string, string>,
): Record<string, unknown>[] {
  const templateName = nameOf(template);
  const declared = arr(at(template, "spec", "args")).map(rec);
  const names = new Set(declared.map((a) => str(a.name)));
  for (const key of given.keys()) {
    if (!names.has(key))
      throw new CliError(`argument "${key}" is not declared by template "${templateName}"`);
  }
  return declared.map((arg) => {
    const name = str(arg.name) ?? "";
    const value = given.get(name);
    if (value !== undefined) return { name, value };
    if (arg.value === undefined && arg.valueFrom === undefined) {
      throw new CliError(
        `template "${templateName}" needs argument "${name}": pass --argument ${name}=VALUE`,
      );
    }
    return arg;
  });
}

export async function createCommand(ctx: CommandContext): Promise<number> {
  const [kind, ...extra] = ctx.operands;
  if (kind !== "analysisrun" && kind !== "ar") {
    throw new CliError('create supports only "create analysisrun --from TEMPLATE"');
  }
  if (extra.length > 0)
    throw new CliError(`unexpected argument "${extra[0]}" for create analysisrun`);
  const flags = ctx.args.flags;
  if (flags.from === undefined) throw new CliError("create analysisrun needs --from TEMPLATE");
  if (flags.name !== undefined && flags.generateName !== undefined) {
    throw new CliError("--name and --generate-name cannot be used together");
  }
  const cluster = ctx.cluster();
  const template = await getArgo(
    cluster,
    flags.global ? "clusteranalysistemplates" : "analysistemplates",
    flags.from,
  );
  const args = resolveArgs(template, parseAssignments(flags.arguments));
  const spec: Record<string, unknown> = { metrics: arr(at(template, "spec", "metrics")) };
  if (args.length > 0) spec.args = args;
  for (const key of ["dryRun", "measurementRetention"]) {
    const value = at(template, "spec", key);
    if (value !== undefined) spec[key] = value;
  }
  const metadata: Record<string, unknown> =
    flags.name !== undefined
      ? { name: flags.name }
      : { generateName: flags.generateName ?? `${flags.from}-` };
  const created = await createArgo(cluster, "analysisruns", {
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: "AnalysisRun",
    metadata,
    spec,
  });
  ctx.stdout.write(`analysisrun.${API_GROUP}/${nameOf(created)} created\n`);
  return 0;
}
