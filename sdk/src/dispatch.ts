// The shared path of every plugin call: decode the JSON fields, validate the configuration,
// run the implementation, and turn any failure into the reply's domain error so that a bad
// request or a buggy method never kills the process (DESIGN.md §3).
import { type Capability, type DomainError, InitResponse, type PluginKind } from "@sluice/proto";
import { errorToDomainError } from "./errors.js";
import type { Logger } from "./logger.js";
import { type JsonObject, parseConfig, parseJsonObject } from "./request.js";

/** Passed to every plugin method alongside the request. */
export interface CallContext {
  /** Child logger with `method` bound. */
  logger: Logger;
  /** When the controller stops waiting for this call, if it set a deadline. */
  deadline: Date | undefined;
}

export interface Dispatch<C, Res> {
  method: string;
  pluginName: string;
  logger: Logger;
  deadline: Date | undefined;
  /** JSON fields that must decode to objects, by name ("rollout", "metric"...). */
  objects: ReadonlyArray<readonly [name: string, bytes: Uint8Array]>;
  config: Uint8Array;
  validate: (raw: unknown) => C;
  reply: (error: DomainError) => Res;
  body: (objects: JsonObject[], config: C, context: CallContext) => Promise<Res>;
}

// One child logger per method, made once: creating a pino child on every call is a
// measurable part of a call's cost (bench/plugin-rpc).
const methodLoggers = new WeakMap<Logger, Map<string, Logger>>();

export function methodLogger(logger: Logger, method: string): Logger {
  let byMethod = methodLoggers.get(logger);
  if (byMethod === undefined) {
    byMethod = new Map();
    methodLoggers.set(logger, byMethod);
  }
  let child = byMethod.get(method);
  if (child === undefined) {
    child = logger.child({ method });
    byMethod.set(method, child);
  }
  return child;
}

export async function dispatch<C, Res>(d: Dispatch<C, Res>): Promise<Res> {
  const context: CallContext = { logger: methodLogger(d.logger, d.method), deadline: d.deadline };
  const decoded: JsonObject[] = [];
  for (const [name, bytes] of d.objects) {
    const parsed = parseJsonObject(bytes, name);
    if (!parsed.ok) return reject(d, context, parsed.error);
    decoded.push(parsed.value);
  }
  const config = parseConfig(d.config, d.validate, d.pluginName);
  if (!config.ok) return reject(d, context, config.error);
  try {
    return await d.body(decoded, config.value, context);
  } catch (error) {
    context.logger.warn({ err: error }, "plugin method failed; answering an error reply");
    return d.reply(errorToDomainError(d.method, error));
  }
}

function reject<C, Res>(d: Dispatch<C, Res>, context: CallContext, error: DomainError): Res {
  context.logger.info({ reason: error.message }, "rejected an invalid request");
  return d.reply(error);
}

/** The default configuration validator: any JSON object, unchecked. */
export function anyObjectConfig(raw: unknown): JsonObject {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new Error("the configuration block must be a JSON object");
  }
  return raw as JsonObject;
}

/**
 * The Init answer both plugin kinds give: identity and capabilities, with the
 * implementation's own init failure (if any) as the domain error.
 */
export async function answerInit(
  impl: { name: string; version: string; init?(context: CallContext): unknown },
  kind: PluginKind,
  capabilities: Capability[],
  logger: Logger,
): Promise<InitResponse> {
  const base = { name: impl.name, version: impl.version, kind, capabilities };
  try {
    await impl.init?.({ logger: logger.child({ method: "Init" }), deadline: undefined });
    return InitResponse.fromPartial(base);
  } catch (error) {
    return InitResponse.fromPartial({ ...base, error: errorToDomainError("Init", error) });
  }
}
