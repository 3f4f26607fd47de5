// gRPC's message framing, shared by the SDK's client (unary-channel.ts) and server
// (http2-server.ts): a flag byte (0: not compressed), the payload's length as a big-endian
// 32-bit integer, then the payload.

/** One length-prefixed gRPC message. */
export function frameMessage(payload: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(5 + payload.length);
  framed[0] = 0;
  framed.writeUInt32BE(payload.length, 1);
  framed.set(payload, 5);
  return framed;
}
