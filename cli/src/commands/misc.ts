// version, completion bash|zsh, and the help text.
import { readFileSync } from "node:fs";
import type { CommandContext } from "../context.js";
import { CliError } from "../errors.js";
import { rec, str } from "../values.js";

export function cliVersion(): string {
  try {
    const pkg: unknown = JSON.parse(
      readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
    );
    return str(rec(pkg).version) ?? "unknown";
  } catch {
    return "unknown";
  }
}

export function versionCommand(ctx: CommandContext): number {
  ctx.stdout.write(`${ctx.program}: v${cliVersion()}\n`);
  if (!ctx.args.flags.short) {
    ctx.stdout.write(
      `  NodeVersion: ${process.version}\n  Platform: ${process.platform}/${process.arch}\n`,
    );
  }
  return 0;
}

/** Command words and what may follow each, shared by the help text and the completions. */
export const COMMANDS: Record<string, { usage: string; summary: string; next?: string[] }> = {
  get: {
    usage: "get rollout|experiment NAME [--watch]",
    summary: "show a rollout or experiment and what it owns",
    next: ["rollout", "experiment"],
  },
  list: {
    usage: "list rollouts|experiments [-A]",
    summary: "list rollouts or experiments",
    next: ["rollouts", "experiments"],
  },
  promote: {
    usage: "promote NAME [--full]",
    summary: "move a paused rollout on (--full: skip every remaining step)",
  },
  abort: { usage: "abort NAME", summary: "abort an update and go back to the stable version" },
  retry: {
    usage: "retry rollout|experiment NAME",
    summary: "retry an aborted rollout or a failed experiment",
    next: ["rollout", "experiment"],
  },
  pause: { usage: "pause NAME", summary: "pause a rollout" },
  restart: { usage: "restart NAME [--in DURATION]", summary: "restart the pods of a rollout" },
  set: {
    usage: "set image NAME CONTAINER=IMAGE",
    summary: "update a container image",
    next: ["image"],
  },
  undo: {
    usage: "undo NAME [--to-revision N]",
    summary: "roll back to the previous (or a given) revision",
  },
  status: {
    usage: "status NAME [--watch=false] [--timeout DURATION]",
    summary: "wait until Healthy (exit 0) or Degraded/timeout (exit 1)",
  },
  lint: { usage: "lint -f FILE", summary: "check manifests with the controller's validation" },
  create: {
    usage: "create analysisrun --from TEMPLATE [--global] [--argument k=v]",
    summary: "start an AnalysisRun from a template",
    next: ["analysisrun"],
  },
  terminate: {
    usage: "terminate analysisrun|experiment NAME",
    summary: "stop an AnalysisRun or Experiment",
    next: ["analysisrun", "experiment"],
  },
  version: { usage: "version [--short]", summary: "print the version" },
  completion: {
    usage: "completion bash|zsh",
    summary: "print a shell completion script",
    next: ["bash", "zsh"],
  },
};

export function helpText(program: string): string {
  const width = Math.max(...Object.values(COMMANDS).map((c) => c.usage.length));
  const lines = Object.values(COMMANDS).map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`);
  return `${program}: manage Rollouts, AnalysisRuns and Experiments (kubectl argo rollouts compatible)

Usage: ${program} COMMAND [flags]

Commands:
${lines.join("\n")}

Flags for every command:
  --kubeconfig PATH   kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)
  --context NAME      kubeconfig context to use
  -n, --namespace NS  namespace (default: the context's, then "default")
  -A, --all-namespaces  all namespaces (list)
  -h, --help          show this help
`;
}

function bashScript(program: string): string {
  const fn = `_${program.replace(/[^A-Za-z0-9]/g, "_")}`;
  const cases = Object.entries(COMMANDS)
    .filter(([, c]) => c.next !== undefined)
    .map(
      ([word, c]) =>
        `    ${word}) COMPREPLY=($(compgen -W "${(c.next ?? []).join(" ")}" -- "$cur")); return ;;`,
    )
    .join("\n");
  return `# bash completion for ${program}; load with: source <(${program} completion bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local prev="\${COMP_WORDS[COMP_CWORD-1]}"
  case "$cur" in
    -*) COMPREPLY=($(compgen -W "--kubeconfig --context --namespace --all-namespaces --help --watch --timeout --full --to-revision --filename --from --argument" -- "$cur")); return ;;
  esac
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${Object.keys(COMMANDS).join(" ")}" -- "$cur")); return
  fi
  case "$prev" in
${cases}
  esac
}
complete -F ${fn} ${program}
`;
}

function zshScript(program: string): string {
  const commands = Object.entries(COMMANDS)
    .map(([word, c]) => `    '${word}:${c.summary.replace(/'/g, "")}'`)
    .join("\n");
  const cases = Object.entries(COMMANDS)
    .filter(([, c]) => c.next !== undefined)
    .map(([word, c]) => `      ${word}) compadd ${(c.next ?? []).join(" ")} ;;`)
    .join("\n");
  return `#compdef ${program}
# zsh completion for ${program}; load with: source <(${program} completion zsh)
_${program.replace(/[^A-Za-z0-9]/g, "_")}() {
  local -a commands
  commands=(
${commands}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
  elif (( CURRENT == 3 )); then
    case "\${words[2]}" in
${cases}
    esac
  fi
}
compdef _${program.replace(/[^A-Za-z0-9]/g, "_")} ${program}
`;
}

export function completionCommand(ctx: CommandContext): number {
  const [shell, ...extra] = ctx.operands;
  if (extra.length > 0) throw new CliError(`unexpected argument "${extra[0]}" for completion`);
  if (shell === "bash") ctx.stdout.write(bashScript(ctx.program));
  else if (shell === "zsh") ctx.stdout.write(zshScript(ctx.program));
  else throw new CliError('completion needs a shell: "completion bash" or "completion zsh"');
  return 0;
}
