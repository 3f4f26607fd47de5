// gRPC framing straight from the message encoder. The generated serializers encode into a
// fresh writer that grows from 128 bytes by doubling (an AnalysisRun of a few KiB: five
// zero-filled allocations and copies), slice the result, copy it into a Buffer, and the
// caller copies it once more behind the 5-byte gRPC header. Here one writer is reused, the
// header is written in place, and the only copy is the final slice.
import { BinaryWriter } from "@bufbuild/protobuf/wire";

/** A generated message type's encoder. */
export interface MessageEncoder<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
}

/** Room kept by the shared writer between calls; a larger message gets a writer of its own. */
const KEPT_BYTES = 1024 * 1024;
const HEADER = new Uint8Array(5);
let shared = new BinaryWriter();
let sharedCapacity = 0;

/** `message` as one length-prefixed, uncompressed gRPC message (flag byte, length, payload). */
export function encodeGrpcFrame<T>(type: MessageEncoder<T>, message: T): Buffer {
  // Encoding is synchronous and never re-enters: one writer serves every call.
  const writer = shared;
  let bytes: Uint8Array;
  try {
    writer.raw(HEADER);
    type.encode(message, writer);
  } finally {
    // finish() copies out what was written and resets the writer, also after a throw.
    bytes = writer.finish();
  }
  return framedFrom(bytes);
}

/**
 * A call on the Calls stream (CallsRequest: `id`, `method`, `request` = `message` encoded by
 * `type`, `timeout_ms`) as one gRPC message, written by the same writer with no intermediate
 * copy of the request.
 */
export function encodeCallFrame<T>(
  id: number,
  method: string,
  timeoutMs: number,
  type: MessageEncoder<T>,
  message: T,
): Buffer {
  const writer = shared;
  let bytes: Uint8Array;
  try {
    writer.raw(HEADER);
    // Field numbers and wire types of CallsRequest (common.proto): 1 id varint, 2 method
    // length-delimited, 3 request length-delimited, 4 timeout_ms varint.
    if (id !== 0) writer.uint32(8).uint32(id);
    writer.uint32(18).string(method);
    writer.uint32(26).fork();
    type.encode(message, writer);
    writer.join();
    if (timeoutMs !== 0) writer.uint32(32).uint32(timeoutMs);
    bytes = writer.finish();
  } catch (error) {
    // A throw between fork() and join() leaves the writer mid-message: start a new one.
    shared = new BinaryWriter();
    sharedCapacity = 0;
    throw error;
  }
  return framedFrom(bytes);
}

/** Fills in the header of what the shared writer produced, and lets a grown writer go. */
function framedFrom(bytes: Uint8Array): Buffer {
  sharedCapacity = Math.max(sharedCapacity, bytes.byteLength);
  if (sharedCapacity > KEPT_BYTES) {
    shared = new BinaryWriter();
    sharedCapacity = 0;
  }
  const framed = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  framed[0] = 0;
  framed.writeUInt32BE(bytes.byteLength - 5, 1);
  return framed;
}
