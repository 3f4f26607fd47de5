import { type DomainError, PluginKind, pluginKindToJSON } from "@sluice/proto";
import { PluginCallError } from "../connect.js";

export type CheckStatus = "passed" | "failed" | "skipped";

export interface CheckResult {
  name: string;
  status: CheckStatus;
  /** Why it failed or was skipped, or what was observed when it passed. */
  detail: string;
}

/** Thrown inside a check to fail it with a message for the plugin author. */
export class CheckFailure extends Error {
  override name = "CheckFailure";
}

export interface Check {
  name: string;
  run(): Promise<string | undefined>;
}

export async function runCheck(check: Check): Promise<CheckResult> {
  try {
    const detail = await check.run();
    return { name: check.name, status: "passed", detail: detail ?? "" };
  } catch (error) {
    return { name: check.name, status: "failed", detail: explain(error) };
  }
}

function explain(error: unknown): string {
  if (error instanceof PluginCallError) {
    if (error.code === 4) return `no reply before the deadline (the call hangs): ${error.message}`;
    if (error.code === 12) {
      return `the plugin does not serve ${error.method} (is it a plugin of another kind?): ${error.message}`;
    }
    if (error.code === 14)
      return `no reply: the plugin is unreachable (did it crash?): ${error.message}`;
    return `no well-formed reply: ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** A valid request must succeed: a domain error here means the plugin rejected good input. */
export function expectNoError(method: string, error: DomainError | undefined): void {
  if (error !== undefined) {
    throw new CheckFailure(
      `${method} answered an error for a valid request: ${JSON.stringify(error.message)} (retryable=${error.retryable})`,
    );
  }
}

/** Invalid input must give an error reply with a message (and, by getting here, no crash). */
export function expectErrorReply(what: string, error: DomainError | undefined): string {
  if (error === undefined) {
    throw new CheckFailure(
      `${what} was accepted: the reply has no error; validate the input and answer an error`,
    );
  }
  if (error.message.trim() === "")
    throw new CheckFailure(`${what} gave an error reply with an empty message`);
  return `error reply: ${error.message}`;
}

export function kindName(kind: PluginKind): string {
  return pluginKindToJSON(kind);
}

export { PluginKind };
