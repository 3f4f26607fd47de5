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
