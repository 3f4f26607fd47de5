import type { IncomingMessage } from "node:http";
import { parse as parseYaml } from "yaml";
import { ApiError, badRequest } from "../api/errors.js";
import { decodeKubernetesProtobuf } from "./protobuf.js";

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** The parts of an API path: /api/v1/namespaces/ns/pods/name/status and friends. */
export interface ApiPath {
  group: string;
  version: string;
  /** Undefined for discovery of the group/version itself. */
  plural?: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export function parseApiPath(pathname: string): ApiPath | undefined {
  let segments: string[];
  try {
    segments = pathname
      .split("/")
      .filter((s) => s !== "")
      .map(decodeURIComponent);
  } catch {
    throw badRequest(`the request path ${JSON.stringify(pathname)} is not valid URL encoding`);
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === "api" && segments[1] !== undefined) {
    group = "";
    version = segments[1];
    rest = segments.slice(2);
  } else if (segments[0] === "apis" && segments[1] !== undefined && segments[2] !== undefined) {
    group = segments[1];
    version = segments[2];
    rest = segments.slice(3);
  } else return undefined;
  if (rest.length === 0) return { group, version };
  const namespaceSubresource =
    rest.length === 3 && (rest[2] === "status" || rest[2] === "finalize");
  if (rest[0] === "namespaces" && rest.length >= 3 && !namespaceSubresource) {
    const [, namespace, plural, name, subresource, ...extra] = rest;
    if (extra.length > 0) return undefined;
    return { group, version, namespace, plural, name, subresource };
  }
  const [plural, name, subresource, ...extra] = rest;
  if (extra.length > 0) return undefined;
  return { group, version, plural, name, subresource };
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    req.resume();
    throw new ApiError(
      413,
      "RequestEntityTooLarge",
      `the request body is ${declared} bytes; devcluster accepts at most ${MAX_BODY_BYTES} bytes`,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      req.resume();
      throw new ApiError(
        413,
        "RequestEntityTooLarge",
        `the request body exceeds ${MAX_BODY_BYTES} bytes, the most devcluster accepts`,
      );
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

export function mediaType(req: IncomingMessage): string {
  return (
    String(req.headers["content-type"] ?? "application/json")
      .split(";")[0]
      ?.trim()
      .toLowerCase() ?? "application/json"
  );
}

/** Parses a JSON or YAML body; anything unparsable is a 400 that says where. */
export function parseBody(body: Buffer, type: string): unknown {
  if (type === "application/vnd.kubernetes.protobuf") return decodeKubernetesProtobuf(body);
  const text = body.toString("utf8");
  if (text.trim() === "") throw badRequest("the request body is empty; send a JSON or YAML object");
  if (type.includes("yaml")) {
    try {
      return parseYaml(text) as unknown;
    } catch (error) {
      throw badRequest(`the request body is not valid YAML: ${(error as Error).message}`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw badRequest(`the request body is not valid JSON: ${(error as Error).message}`);
  }
}

export function wantsTable(req: IncomingMessage): boolean {
  return String(req.headers.accept ?? "").includes("as=Table");
}
