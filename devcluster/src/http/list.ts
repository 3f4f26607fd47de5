import type { ServerResponse } from "node:http";
import { badRequest } from "../api/errors.js";
import { apiVersionOf, type ResourceType, storageKey } from "../api/registry.js";
import {
  type FieldSelector,
  type LabelSelector,
  matchesFields,
  matchesLabels,
} from "../api/selectors.js";
import { isObject } from "../api/types.js";
import type { Store, StoredEntry } from "../store/store.js";
import { sendJson } from "./send.js";
import { toTable } from "./table.js";

interface ContinueToken {
  rv: number;
  after: string;
}

function decodeContinue(token: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as unknown;
    if (isObject(parsed) && typeof parsed.rv === "number" && typeof parsed.after === "string") {
      return { rv: parsed.rv, after: parsed.after };
    }
  } catch {
    // fall through to the error below
  }
  throw badRequest(`continue token "${token}" is not valid; start the list again without it`);
}

function positionKey(entry: StoredEntry): string {
  return `${entry.obj.metadata.namespace ?? ""}/${entry.obj.metadata.name ?? ""}`;
}

export interface ListQuery {
  labels: LabelSelector;
  fields: FieldSelector;
  limit: number | undefined;
  continueToken: string | undefined;
  /** Set when the client asked for a Table: its includeObject. */
  table: string | undefined;
}

/** Serves a list: selectors, `limit`/`continue` paging, plain JSON or a Table. */
export function serveList(
  store: Store,
  type: ResourceType,
  namespace: string | undefined,
  res: ServerResponse,
  query: ListQuery,
): Promise<void> | undefined {
  const { labels, fields, limit } = query;
  const all = store.list(storageKey(type), namespace);
  const token = query.continueToken;
  let start = 0;
  let listRv = store.currentResourceVersion;
  if (token) {
    const position = decodeContinue(token);
    listRv = position.rv;
    let low = 0;
    let high = all.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      const entry = all[middle];
      if (entry && positionKey(entry) <= position.after) low = middle + 1;
      else high = middle;
    }
    start = low;
  }
  const filtering = labels.length > 0 || fields.length > 0;
  const selected: StoredEntry[] = [];
  let next: string | undefined;
  for (let i = start; i < all.length; i++) {
    const entry = all[i];
    if (!entry) continue;
    if (
      filtering &&
      !(matchesLabels(labels, entry.obj.metadata.labels) && matchesFields(fields, entry.obj))
    )
      continue;
    if (limit !== undefined && limit > 0 && selected.length === limit) {
      const last = selected[selected.length - 1];
      if (last)
        next = Buffer.from(JSON.stringify({ rv: listRv, after: positionKey(last) })).toString(
          "base64url",
        );
      break;
    }
    selected.push(entry);
  }
  const metadata: Record<string, unknown> = { resourceVersion: String(listRv) };
  if (next) metadata.continue = next;
  if (query.table !== undefined) {
    sendJson(
      res,
      200,
      toTable(
        type,
        selected.map((e) => e.obj),
        query.table,
        metadata,
      ),
    );
    return;
  }
  return writeList(res, type, metadata, selected);
}

/** Bytes gathered into one socket write: large enough to amortise each write's cost. */
const LIST_CHUNK_BYTES = 256 * 1024;
const COMMA = Buffer.from(",");

/**
 * Writes a list from the items' cached UTF-8 bytes: nothing is serialized or encoded again,
 * and the length is known up front, so the body goes out with a Content-Length (no chunk
 * framing) in 256 KiB writes. The next chunk is built only when the socket has taken the last
 * one: pushing a 40 MB list into the TLS socket at once costs several times the CPU (and holds
 * the whole encrypted copy in memory). Stored entries are never mutated, so the items stay a
 * consistent snapshot while the list is sent.
 */
function writeList(
  res: ServerResponse,
  type: ResourceType,
  metadata: Record<string, unknown>,
  items: StoredEntry[],
): Promise<void> {
  const head = JSON.stringify({
    kind: `${type.kind}List`,
    apiVersion: apiVersionOf(type),
    metadata,
  });
  const open = Buffer.from(`${head.slice(0, -1)},"items":[`);
  const close = Buffer.from("]}");
  let length = open.length + close.length + Math.max(0, items.length - 1);
  for (const item of items) length += item.bytes.length;
  res.writeHead(200, { "content-type": "application/json", "content-length": length });
  let next = 0;
  const chunk = (): Buffer => {
    const parts: Buffer[] = next === 0 ? [open] : [];
    let size = next === 0 ? open.length : 0;
    for (; next < items.length && size < LIST_CHUNK_BYTES; next++) {
      const item = items[next];
      if (!item) continue;
      if (next > 0) {
        parts.push(COMMA);
        size += 1;
      }
      parts.push(item.bytes);
      size += item.bytes.length;
    }
    if (next >= items.length) {
      parts.push(close);
      size += close.length;
    }
    return Buffer.concat(parts, size);
  };
  return new Promise((resolve) => {
    let finished = false;
    const pump = (): void => {
      // An HTTP/2 response has no `destroyed`: its stream's says whether the client is gone.
      while (
        !finished &&
        !(res.destroyed || (res as { stream?: { destroyed: boolean } }).stream?.destroyed === true)
      ) {
        const buffer = chunk();
        if (next >= items.length) {
          finished = true;
          res.end(buffer);
          break;
        }
        if (!res.write(buffer)) {
          res.once("drain", pump);
          return;
        }
      }
      res.off("close", resolve);
      resolve();
    };
    // A client that goes away mid-list: stop waiting for a drain that will not come.
    res.once("close", resolve);
    pump();
  });
}
