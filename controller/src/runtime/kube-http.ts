import type { Readable } from "node:stream";
import { drainAnswer, readAnswer } from "@sluice/sdk";
import { KubeApiError } from "./kube-errors.js";
import { isKubeObject, type KubeObject, type ResourceType } from "./kube-resources.js";

/** Response handling shared by KubeClient's requests and watches. */

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

export function describeObject(namespace: string | undefined, name: string): string {
  return namespace === undefined || namespace === "" ? name : `${namespace}/${name}`;
}

export function expectObject(body: unknown, what: string): KubeObject {
  if (!isKubeObject(body)) {
    throw new Error(`${what}: the API server answered something that is not an object`);
  }
  return body;
}

/** A transport failure while an answer streams in: a KubeApiError with status 0. */
function cutShort(reason: string): KubeApiError {
  return new KubeApiError(reason, 0, "", reason);
}

const ownError = (error: Error): boolean => error instanceof KubeApiError;

export async function readBody(response: Readable): Promise<string> {
  return (await readAnswer(response, cutShort, ownError)).toString("utf8");
}

/** Reads a response to its end without keeping or decoding what it carries. */
export function drainBody(response: Readable): Promise<void> {
  return drainAnswer(response, cutShort, ownError);
}

function parseStatus(text: string): { reason: string; message: string; code?: number } {
  try {
    const status = JSON.parse(text) as unknown;
    if (typeof status === "object" && status !== null) {
      const s = status as Record<string, unknown>;
      return {
        reason: typeof s.reason === "string" ? s.reason : "",
        message: typeof s.message === "string" ? s.message : text.slice(0, 500),
        ...(typeof s.code === "number" ? { code: s.code } : {}),
      };
    }
  } catch {
    // Not a Status object: fall through and quote the body.
  }
  return { reason: "", message: text.slice(0, 500) };
}

export function toApiError(
  verb: string,
  kind: string,
  namespace: string | undefined,
  statusCode: number,
  text: string,
): KubeApiError {
  const status = parseStatus(text);
  const where = namespace === undefined || namespace === "" ? "" : ` in namespace ${namespace}`;
  return new KubeApiError(
    `${verb} ${kind}${where} failed (HTTP ${statusCode}${status.reason === "" ? "" : ` ${status.reason}`}): ${status.message}`,
    statusCode,
    status.reason,
    status.message,
  );
}

export async function consumeWatchStream(
  response: Readable,
  type: ResourceType,
  onEvent: (event: WatchEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  response.setEncoding("utf8");
  let buffered = "";
  const handleLine = (line: string): void => {
    if (line.trim() === "") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new KubeApiError(`watch ${type.plural}: undecodable line in stream`, 0, "", line);
    }
    const event = parsed as { type?: unknown; object?: unknown };
    if (event.type === "ERROR") {
      const status = parseStatus(JSON.stringify(event.object ?? {}));
      const code = status.code ?? 500;
      throw new KubeApiError(
        `watch ${type.plural} ended with an error (HTTP ${code} ${status.reason}): ${status.message}`,
        code,
        status.reason,
        status.message,
      );
    }
    if (
      event.type !== "ADDED" &&
      event.type !== "MODIFIED" &&
      event.type !== "DELETED" &&
      event.type !== "BOOKMARK"
    ) {
      return;
    }
    if (!isKubeObject(event.object)) return;
    onEvent({ type: event.type, object: event.object });
  };
  for await (const chunk of response) {
    buffered += chunk as string;
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      handleLine(line);
      newline = buffered.indexOf("\n");
    }
    if (signal.aborted) return;
  }
  handleLine(buffered);
}
