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

/** Why a stream of gRPC messages cannot be read on. */
export class FramingError extends Error {
  override name = "FramingError";
  constructor(
    /** The gRPC status code that fits: RESOURCE_EXHAUSTED (8) or INTERNAL (13). */
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Cuts the bytes of a streaming call, as they arrive in chunks, into its messages. `push`
 * returns the messages completed by the chunk (payloads without the header), or throws a
 * FramingError for a compressed message (none is ever offered) or one above `maxBytes`.
 */
export class MessageReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Size of the incomplete message held back, once its header has arrived. */
  private needed = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): Buffer[] {
    let data = chunk;
    if (this.pendingBytes + chunk.length < this.needed) {
      // Still inside a message whose length is known: keep the chunk, copy nothing yet.
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      return [];
    }
    this.needed = 0;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      data = Buffer.concat(this.pending, this.pendingBytes + chunk.length);
      this.pending = [];
      this.pendingBytes = 0;
    }
    const messages: Buffer[] = [];
    let at = 0;
    while (data.length - at >= 5) {
      if ((data[at] ?? 0) & 1)
        throw new FramingError(13, "a compressed message, but no compression was offered");
      const length = data.readUInt32BE(at + 1);
      if (length > this.maxBytes)
        throw new FramingError(8, `message larger than ${this.maxBytes} bytes`);
      if (data.length - at - 5 < length) {
        this.needed = 5 + length;
        break;
      }
      messages.push(data.subarray(at + 5, at + 5 + length));
      at += 5 + length;
    }
    if (at < data.length) {
      const rest = data.subarray(at);
      this.pending.push(rest);
      this.pendingBytes = rest.length;
    }
    return messages;
  }

  /** Bytes of an incomplete message held back (0 when the stream ended between messages). */
  get buffered(): number {
    return this.pendingBytes;
  }
}
