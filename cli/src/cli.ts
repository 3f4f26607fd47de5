// Dispatch: parse the command line, run the command, and turn every failure into one line on
// stderr with a non-zero exit code (never a stack trace).
import { checkFlags, type FlagName, parseCommandLine } from "./args.js";
import { COMMANDS, completionCommand, helpText, versionCommand } from "./commands/misc.js";
import type { CommandContext, Output } from "./context.js";
import { CliError, describeError } from "./errors.js";
import type { Cluster } from "./kube.js";

type Handler = (ctx: CommandContext) => number | Promise<number>;

// Command modules load on first use: the Kubernetes client and the controller's schemas take
// a noticeable moment to import, which `version` and `completion` should not pay.
const actions = () => import("./commands/actions.js");

const HANDLERS: Record<string, { flags: FlagName[]; run: Handler }> = {
  get: {
    flags: ["watch"],
    run: async (ctx) => (await import("./commands/get.js")).getCommand(ctx),
  },
  list: { flags: [], run: async (ctx) => (await import("./commands/list.js")).listCommand(ctx) },
  promote: {
    flags: ["full"],
    run: async (ctx) => (await actions()).rolloutActionCommand(ctx, "promote"),
  },
  abort: { flags: [], run: async (ctx) => (await actions()).rolloutActionCommand(ctx, "abort") },
  pause: { flags: [], run: async (ctx) => (await actions()).rolloutActionCommand(ctx, "pause") },
  restart: {
    flags: ["in"],
    run: async (ctx) => (await actions()).rolloutActionCommand(ctx, "restart"),
  },
  undo: {
    flags: ["to-revision"],
    run: async (ctx) => (await actions()).rolloutActionCommand(ctx, "undo"),
  },
  set: { flags: [], run: async (ctx) => (await actions()).rolloutActionCommand(ctx, "set") },
  retry: { flags: [], run: async (ctx) => (await actions()).retryCommand(ctx) },
  terminate: { flags: [], run: async (ctx) => (await actions()).terminateCommand(ctx) },
  status: {
    flags: ["watch", "no-watch", "timeout"],
    run: async (ctx) => (await import("./commands/status.js")).statusCommand(ctx),
  },
  lint: {
    flags: ["filename"],
    run: async (ctx) => (await import("./commands/lint.js")).lintCommand(ctx),
  },
  create: {
    flags: ["from", "global", "name", "generate-name", "argument"],
    run: async (ctx) => (await import("./commands/create.js")).createCommand(ctx),
  },
  version: { flags: ["short"], run: versionCommand },
  completion: { flags: [], run: completionCommand },
};

export interface CliIo {
  stdout: Output;
  stderr: Output;
  env: NodeJS.ProcessEnv;
  program: string;
  interrupted: Promise<void>;
}

/** Runs one command line; resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let server: string | undefined;
  try {
    const args = parseCommandLine(argv);
    const [command, ...operands] = args.words;
    if (command === undefined || command === "help") {
      io.stdout.write(helpText(io.program));
      return command === undefined && !args.flags.help ? 1 : 0;
    }
    const handler = HANDLERS[command];
    if (handler === undefined)
      throw new CliError(`unknown command "${command}"; run ${io.program} --help`);
    if (args.flags.help) {
      io.stdout.write(`Usage: ${io.program} ${COMMANDS[command]?.usage ?? command}\n`);
      return 0;
    }
    checkFlags(args, command, handler.flags);
    const offline = command === "lint" || command === "version" || command === "completion";
    const kube = offline ? undefined : await import("./kube.js");
    let connected: Cluster | undefined;
    const ctx: CommandContext = {
      args,
      operands,
      stdout: io.stdout,
      stderr: io.stderr,
      env: io.env,
      program: io.program,
      interrupted: io.interrupted,
      cluster() {
        if (kube === undefined) throw new Error(`${command} does not use the cluster`);
        connected ??= kube.connect(args.flags);
        server = connected.server;
        return connected;
      },
    };
    return await handler.run(ctx);
  } catch (error) {
    const message = describeError(error, server).replace(/\s*\n\s*/g, " ");
    io.stderr.write(`Error: ${message}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}
