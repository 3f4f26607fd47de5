import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import { CallsRequest, encodeCallFrame, encodeGrpcFrame, RunRequest } from "../src/index.js";

/** The message inside one gRPC frame, after checking the frame's header. */
function unframe(framed: Buffer): RunRequest {
  expect(framed[0]).toBe(0);
  expect(framed.readUInt32BE(1)).toBe(framed.length - 5);
  return RunRequest.decode(framed.subarray(5));
}

const request = (text: string): RunRequest =>
  RunRequest.fromPartial({
    analysisRun: Buffer.from(text),
    metric: Buffer.from('{"name":"m"}'),
    config: Buffer.from("{}"),
  });

describe("encodeGrpcFrame", () => {
  it("frames exactly what the generated serializer encodes", () => {
    const message = request(
      JSON.stringify({ metadata: { name: "run" }, status: "x".repeat(3000) }),
    );
    const framed = encodeGrpcFrame(RunRequest, message);
    expect(framed.subarray(5)).toEqual(Buffer.from(RunRequest.encode(message).finish()));
    expect(unframe(framed)).toEqual(message);
  });

  it("returns frames that stay intact while later messages are encoded", () => {
    const first = encodeGrpcFrame(RunRequest, request("first, the longer of the two"));
    const second = encodeGrpcFrame(RunRequest, request("second"));
    expect(Buffer.from(unframe(first).analysisRun).toString()).toBe("first, the longer of the two");
    expect(Buffer.from(unframe(second).analysisRun).toString()).toBe("second");
  });

  it("starts clean after an encoder that threw half-way", () => {
    const broken = {
      encode(_message: unknown, writer: BinaryWriter = new BinaryWriter()): BinaryWriter {
        writer.uint32(10).bytes(Buffer.from("half a message"));
        throw new Error("cannot encode");
      },
    };
    expect(() => encodeGrpcFrame(broken, {})).toThrow("cannot encode");
    expect(
      Buffer.from(unframe(encodeGrpcFrame(RunRequest, request("next"))).analysisRun).toString(),
    ).toBe("next");
  });

  it("encodes messages larger than the writer keeps between calls", () => {
    const big = "b".repeat(3 * 1024 * 1024);
    expect(Buffer.from(unframe(encodeGrpcFrame(RunRequest, request(big))).analysisRun).length).toBe(
      big.length,
    );
    expect(
      Buffer.from(unframe(encodeGrpcFrame(RunRequest, request("small"))).analysisRun).toString(),
    ).toBe("small");
  });
});

describe("encodeCallFrame", () => {
  it("frames the CallsRequest the generated code would encode, request bytes included", () => {
    const message = request(JSON.stringify({ metadata: { name: "run" } }));
    const framed = encodeCallFrame(7, "Run", 2500, RunRequest, message);
    expect(framed[0]).toBe(0);
    expect(framed.readUInt32BE(1)).toBe(framed.length - 5);
    const call = CallsRequest.decode(framed.subarray(5));
    expect({ ...call, request: Buffer.from(call.request) }).toEqual({
      id: 7,
      method: "Run",
      timeoutMs: 2500,
      cancel: false,
      request: Buffer.from(RunRequest.encode(message).finish()),
    });
    expect(RunRequest.decode(call.request)).toEqual(message);
  });

  it("starts clean after an encoder that threw inside the request", () => {
    const broken = {
      encode(_message: unknown, writer: BinaryWriter = new BinaryWriter()): BinaryWriter {
        writer.uint32(10).bytes(Buffer.from("half a message"));
        throw new Error("cannot encode");
      },
    };
    expect(() => encodeCallFrame(1, "Run", 0, broken, {})).toThrow("cannot encode");
    const next = CallsRequest.decode(
      encodeCallFrame(2, "Resume", 0, RunRequest, request("next")).subarray(5),
    );
    expect(next.id).toBe(2);
    expect(next.method).toBe("Resume");
    expect(Buffer.from(RunRequest.decode(next.request).analysisRun).toString()).toBe("next");
    expect(encodeGrpcFrame(RunRequest, request("after")).readUInt32BE(1)).toBeGreaterThan(0);
  });
});
