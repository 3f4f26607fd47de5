import { ApiError, badRequest } from "../api/errors.js";

/**
 * Decodes the Kubernetes protobuf envelope for the few kinds kubectl creates with protobuf
 * bodies (`kubectl create namespace|configmap|secret|serviceaccount`). Everything else in
 * protobuf answers 415; kubectl sends JSON for `apply`, `patch`, `replace`, ...
 */
type FieldType = "string" | "int" | "bool" | "bytes" | "stringMap" | "bytesMap" | MessageSchema;
interface FieldSpec {
  name: string;
  type: FieldType;
  repeated?: boolean;
}
type MessageSchema = { [fieldNumber: number]: FieldSpec };

const OWNER_REFERENCE: MessageSchema = {
  1: { name: "kind", type: "string" },
  3: { name: "name", type: "string" },
  4: { name: "uid", type: "string" },
  5: { name: "apiVersion", type: "string" },
  6: { name: "controller", type: "bool" },
  7: { name: "blockOwnerDeletion", type: "bool" },
};

const OBJECT_META: MessageSchema = {
  1: { name: "name", type: "string" },
  2: { name: "generateName", type: "string" },
  3: { name: "namespace", type: "string" },
  6: { name: "resourceVersion", type: "string" },
  11: { name: "labels", type: "stringMap" },
  12: { name: "annotations", type: "stringMap" },
  13: { name: "ownerReferences", type: OWNER_REFERENCE, repeated: true },
  14: { name: "finalizers", type: "string", repeated: true },
};

const LOCAL_REFERENCE: MessageSchema = { 1: { name: "name", type: "string" } };

const KINDS: Record<string, MessageSchema> = {
  Namespace: {
    1: { name: "metadata", type: OBJECT_META },
    2: { name: "spec", type: { 1: { name: "finalizers", type: "string", repeated: true } } },
  },
  ConfigMap: {
    1: { name: "metadata", type: OBJECT_META },
    2: { name: "data", type: "stringMap" },
    3: { name: "binaryData", type: "bytesMap" },
    4: { name: "immutable", type: "bool" },
  },
  Secret: {
    1: { name: "metadata", type: OBJECT_META },
    2: { name: "data", type: "bytesMap" },
    3: { name: "type", type: "string" },
    4: { name: "stringData", type: "stringMap" },
    5: { name: "immutable", type: "bool" },
  },
  ServiceAccount: {
    1: { name: "metadata", type: OBJECT_META },
    2: { name: "secrets", type: LOCAL_REFERENCE, repeated: true },
    3: { name: "imagePullSecrets", type: LOCAL_REFERENCE, repeated: true },
    4: { name: "automountServiceAccountToken", type: "bool" },
  },
};

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
    } else if (spec.type === "int") value = Number(field.varint ?? 0n);
    else if (spec.type === "bool") value = field.varint === 1n;
    else if (spec.type === "bytes") value = field.bytes?.toString("base64") ?? "";
    else if (spec.type === "stringMap" || spec.type === "bytesMap") {
      const entry = readFields(field.bytes ?? Buffer.alloc(0));
      const key = entry.find((f) => f.number === 1)?.bytes?.toString("utf8") ?? "";
      const raw = entry.find((f) => f.number === 2)?.bytes ?? Buffer.alloc(0);
      const map = (result[spec.name] ?? {}) as Record<string, string>;
      map[key] = spec.type === "stringMap" ? raw.toString("utf8") : raw.toString("base64");
      result[spec.name] = map;
      continue;
    } else value = decodeMessage(field.bytes ?? Buffer.alloc(0), spec.type);
    if (spec.repeated)
      result[spec.name] = [...((result[spec.name] as unknown[] | undefined) ?? []), value];
    else result[spec.name] = value;
  }
  return result;
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
  const schema = KINDS[kind];
  if (!schema) {
    throw new ApiError(
      415,
      "UnsupportedMediaType",
      `devcluster decodes protobuf bodies only for ${Object.keys(KINDS).join(", ")}, not ${kind || "this kind"}; send the object as JSON (for example kubectl apply -f)`,
    );
  }
  const raw = Buffer.from(String(envelope.raw ?? ""), "base64");
  return { apiVersion: typeMeta.apiVersion, kind, ...decodeMessage(raw, schema) };
}
