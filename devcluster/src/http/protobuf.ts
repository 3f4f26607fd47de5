import { ApiError, badRequest } from "../api/errors.js";
import { type MessageSchema, PROTOBUF_KINDS } from "./protobuf-schemas.js";

/**
 * Decodes the Kubernetes protobuf envelope (the magic `k8s\0`, then a runtime.Unknown whose
 * `raw` holds the object) for the kinds kubectl's `create` generators send as protobuf (see
 * protobuf-schemas.ts). Other kinds answer 415; kubectl sends JSON for `apply`, `patch`,
 * `replace`, ...
 */
interface RawField {
  number: number;
  varint?: bigint;
  bytes?: Buffer;
}

function readFields(buffer: Buffer): RawField[] {
  const fields: RawField[] = [];
  let offset = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (offset >= buffer.length) throw badRequest("the protobuf body is truncated");
      const byte = buffer[offset++] ?? 0;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw badRequest("the protobuf body has an over-long varint");
    }
  };
  while (offset < buffer.length) {
    const key = Number(varint());
    const number = key >>> 3;
    const wire = key & 7;
    if (wire === 0) fields.push({ number, varint: varint() });
    else if (wire === 2) {
      const length = Number(varint());
      if (offset + length > buffer.length) throw badRequest("the protobuf body is truncated");
      fields.push({ number, bytes: buffer.subarray(offset, offset + length) });
      offset += length;
    } else if (wire === 1) offset += 8;
    else if (wire === 5) offset += 4;
    else throw badRequest(`the protobuf body uses unsupported wire type ${wire}`);
  }
  return fields;
}

function decodeMessage(buffer: Buffer, schema: MessageSchema): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const field of readFields(buffer)) {
    const spec = schema[field.number];
    if (!spec) continue;
    let value: unknown;
    if (spec.type === "string") {
      value = field.bytes?.toString("utf8") ?? "";
      // proto3 sends empty strings for unset optional fields; JSON clients omit them.
      if (value === "" && !spec.repeated) continue;
    } else if (spec.type === "int" || spec.type === "int0") {
      value = Number(BigInt.asIntN(64, field.varint ?? 0n));
      if (value === 0 && spec.type === "int0") continue;
    } else if (spec.type === "bool" || spec.type === "bool0") {
      value = field.varint === 1n;
      if (value === false && spec.type === "bool0") continue;
    } else if (spec.type === "intOrString") {
      value = intOrString(field.bytes ?? Buffer.alloc(0));
      if (value === undefined) continue;
    } else if (spec.type === "quantityMap") {
      // map<string, resource.Quantity>; a Quantity is a message whose field 1 is its text.
      const entry = readFields(field.bytes ?? Buffer.alloc(0));
      const key = entry.find((f) => f.number === 1)?.bytes?.toString("utf8") ?? "";
      const quantity = readFields(entry.find((f) => f.number === 2)?.bytes ?? Buffer.alloc(0));
      const map = (result[spec.name] ?? {}) as Record<string, string>;
      map[key] = quantity.find((f) => f.number === 1)?.bytes?.toString("utf8") ?? "0";
      result[spec.name] = map;
      continue;
    } else if (spec.type === "bytes") value = field.bytes?.toString("base64") ?? "";
    else if (spec.type === "stringMap" || spec.type === "bytesMap") {
      const entry = readFields(field.bytes ?? Buffer.alloc(0));
      const key = entry.find((f) => f.number === 1)?.bytes?.toString("utf8") ?? "";
      const raw = entry.find((f) => f.number === 2)?.bytes ?? Buffer.alloc(0);
      const map = (result[spec.name] ?? {}) as Record<string, string>;
      map[key] = spec.type === "stringMap" ? raw.toString("utf8") : raw.toString("base64");
      result[spec.name] = map;
      continue;
    } else {
      const decoded = decodeMessage(field.bytes ?? Buffer.alloc(0), spec.type);
      if (spec.inline) {
        Object.assign(result, decoded);
        continue;
      }
      value = decoded;
    }
    if (spec.repeated)
      result[spec.name] = [...((result[spec.name] as unknown[] | undefined) ?? []), value];
    else result[spec.name] = value;
  }
  return result;
}

/** intstr.IntOrString: type (0 int, 1 string), intVal, strVal; JSON writes just the value. */
function intOrString(buffer: Buffer): number | string | undefined {
  const fields = readFields(buffer);
  const kind = fields.find((f) => f.number === 1)?.varint ?? 0n;
  if (kind === 1n) return fields.find((f) => f.number === 3)?.bytes?.toString("utf8");
  const raw = fields.find((f) => f.number === 2)?.varint;
  return raw === undefined ? undefined : Number(BigInt.asIntN(32, raw));
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export function decodeKubernetesProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC))
    throw badRequest("the protobuf body lacks the Kubernetes envelope prefix");
  const envelope = decodeMessage(body.subarray(4), {
    1: {
      name: "typeMeta",
      type: { 1: { name: "apiVersion", type: "string" }, 2: { name: "kind", type: "string" } },
    },
    2: { name: "raw", type: "bytes" },
  });
  const typeMeta = (envelope.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const kind = typeMeta.kind ?? "";
  const schema = PROTOBUF_KINDS[kind];
  if (!schema) {
    throw new ApiError(
      415,
      "UnsupportedMediaType",
      `devcluster decodes protobuf bodies only for ${Object.keys(PROTOBUF_KINDS).join(", ")}, not ${kind || "this kind"}; send the object as JSON (for example kubectl apply -f)`,
    );
  }
  const raw = Buffer.from(String(envelope.raw ?? ""), "base64");
  return { apiVersion: typeMeta.apiVersion, kind, ...decodeMessage(raw, schema) };
}
