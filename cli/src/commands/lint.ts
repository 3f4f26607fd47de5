// lint -f FILE: every document of our kinds through the controller's schema parse and the
// same validation the controller uses for InvalidSpec; references (Services, Ingresses,
// VirtualServices, AnalysisTemplates) are checked against the objects in the same file.
import { readFileSync } from "node:fs";
import {
  type AnalysisTemplate,
  lintObject,
  parseAnalysisTemplate,
  parseClusterAnalysisTemplate,
  type ValidationContext,
} from "@sluice/controller";
import { parseAllDocuments } from "yaml";
import type { CommandContext } from "../context.js";
import { CliError } from "../errors.js";
import { nameOf, rec, str } from "../values.js";

export interface LintProblem {
  /** 1-based position of the document in the file. */
  document: number;
  kind: string;
  name: string;
  message: string;
}

function contextFrom(docs: readonly unknown[]): ValidationContext {
  const byKind = (kind: string): Map<string, unknown> | undefined => {
    const found = docs.filter((d) => str(rec(d).kind) === kind);
    return found.length === 0 ? undefined : new Map(found.map((d) => [nameOf(d), d]));
  };
  const templates = (
    kind: string,
    parse: (u: unknown) => { ok: boolean; value?: AnalysisTemplate },
  ) => {
    const map = new Map<string, AnalysisTemplate>();
    for (const d of docs) {
      if (str(rec(d).kind) !== kind) continue;
      const parsed = parse(d);
      if (parsed.ok && parsed.value !== undefined) map.set(nameOf(d), parsed.value);
    }
    return map.size === 0 ? undefined : map;
  };
  const ctx: ValidationContext = {};
  const services = byKind("Service");
  const ingresses = byKind("Ingress");
  const virtualServices = byKind("VirtualService");
  const mappings = byKind("Mapping");
  const analysisTemplates = templates("AnalysisTemplate", parseAnalysisTemplate);
  const clusterTemplates = templates("ClusterAnalysisTemplate", parseClusterAnalysisTemplate);
  if (services) ctx.services = services;
  if (ingresses) ctx.ingresses = ingresses;
  if (virtualServices) ctx.virtualServices = virtualServices;
  if (mappings) ctx.ambassadorMappings = mappings;
  if (analysisTemplates) ctx.analysisTemplates = analysisTemplates;
  if (clusterTemplates) ctx.clusterAnalysisTemplates = clusterTemplates;
  return ctx;
}

/** Problems in a multi-document YAML text, and how many objects of our kinds were checked. */
export function lintText(text: string): { checked: number; problems: LintProblem[] } {
  const docs = parseAllDocuments(text);
  const problems: LintProblem[] = [];
  const values: unknown[] = [];
  docs.forEach((doc, i) => {
    const first = doc.errors[0];
    if (first !== undefined) {
      problems.push({
        document: i + 1,
        kind: "",
        name: "",
        message: `invalid YAML: ${first.message.split("\n")[0] ?? ""}`,
      });
      values.push(undefined);
      return;
    }
    values.push(doc.toJS() as unknown);
  });
  const context = contextFrom(values);
  let checked = 0;
  values.forEach((value, i) => {
    const result = lintObject(value, context);
    if (result === undefined) return;
    checked++;
    for (const message of result.problems) {
      problems.push({ document: i + 1, kind: result.kind, name: result.name, message });
    }
  });
  return { checked, problems };
}

export function lintCommand(ctx: CommandContext): number {
  const file = ctx.args.flags.filename ?? ctx.operands[0];
  if (file === undefined) throw new CliError("lint needs a file: lint -f FILE");
  if (ctx.args.flags.filename !== undefined && ctx.operands.length > 0) {
    throw new CliError(`unexpected argument "${ctx.operands[0]}" for lint`);
  }
  let text: string;
  try {
    text = file === "-" ? readFileSync(0, "utf8") : readFileSync(file, "utf8");
  } catch (error) {
    const code = str(rec(error).code);
    throw new CliError(
      `cannot read ${file}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`,
    );
  }
  const { checked, problems } = lintText(text);
  for (const p of problems) {
    const what =
      p.kind === "" ? `document ${p.document}` : `document ${p.document} (${p.kind} ${p.name})`;
    ctx.stderr.write(`${file}: ${what}: ${p.message}\n`);
  }
  if (problems.length > 0) {
    ctx.stderr.write(
      `Error: ${file}: ${problems.length} problem${problems.length === 1 ? "" : "s"} found\n`,
    );
    return 1;
  }
  if (checked === 0)
    ctx.stdout.write(`${file}: no Rollout, AnalysisTemplate, AnalysisRun or Experiment found\n`);
  else ctx.stdout.write(`${file}: ${checked} object${checked === 1 ? "" : "s"} valid\n`);
  return 0;
}
