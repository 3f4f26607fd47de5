// Benchmark: what carrying plugin calls as messages on one long-lived HTTP/2 stream could save
// against one HTTP/2 stream per call, on raw node:http2 with nothing decoded (a floor for
// both). Each call sends a 1.7 KiB payload (a Run request's size) and gets 100 bytes back;
// 256 calls in flight over a Unix socket; client and server in this one process.
//
//   node bench/dist/plugin-rpc/stream-floor.js [--calls 100000]
//
// "one stream per call" is what a unary gRPC call puts on the wire (headers, one message,
// response headers, message, trailers). "messages on one stream" frames each call as
// [call id (4 bytes)][flags (1)][length (4)][payload] on a single stream both ways.
import { rmSync } from "node:fs";
import http2, { type ClientHttp2Stream, type ServerHttp2Stream } from "node:http2";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { calls: { type: "string", default: "100000" } } });
const CALLS = Number(values.calls);
if (!(CALLS > 0)) throw new Error("--calls must be positive");
const IN_FLIGHT = 256;
const HEADER = 9;
const REQUEST = Buffer.alloc(1730, 120);
const REPLY_BYTES = 100;
const WINDOWS = { initialWindowSize: 8 * 1024 * 1024 };
const SESSION_WINDOW = 64 * 1024 * 1024;

/** Splits complete [id][flags][length][payload] frames off `buffer`; returns the rest. */
function frames(buffer: Buffer, onFrame: (id: number) => void): Buffer {
  let rest = buffer;
  while (rest.length >= HEADER) {
    const length = rest.readUInt32BE(5);
    if (rest.length < HEADER + length) break;
    onFrame(rest.readUInt32BE(0));
    rest = rest.subarray(HEADER + length);
  }
  return rest;
}

function frame(id: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER + payload.length);
  out.writeUInt32BE(id, 0);
  out[4] = 0;
  out.writeUInt32BE(payload.length, 5);
  payload.copy(out, HEADER);
  return out;
}

function serveStream(stream: ServerHttp2Stream): void {
  stream.respond({ ":status": 200 });
  let pending: Buffer = Buffer.alloc(0);
  const reply = Buffer.alloc(REPLY_BYTES);
  stream.on("data", (chunk: Buffer) => {
    const answers: Buffer[] = [];
    pending = frames(pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk, (id) =>
      answers.push(frame(id, reply)),
    );
    if (answers.length > 0)
      stream.write(answers.length === 1 ? answers[0] : Buffer.concat(answers));
  });
}

function serveUnary(stream: ServerHttp2Stream): void {
  stream.on("data", () => undefined);
  stream.on("end", () => {
    stream.respond(
      { ":status": 200, "content-type": "application/grpc" },
      { waitForTrailers: true },
    );
    stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    stream.end(Buffer.alloc(5 + REPLY_BYTES));
  });
}

async function main(): Promise<void> {
  const socket = join(tmpdir(), `sluice-stream-floor-${process.pid}.sock`);
  const server = http2.createServer({ settings: WINDOWS });
  server.on("session", (session) => session.setLocalWindowSize(SESSION_WINDOW));
  server.on("stream", (stream, headers) =>
    headers[":path"] === "/stream" ? serveStream(stream) : serveUnary(stream),
  );
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  const client = http2.connect("http://localhost", {
    createConnection: () => net.connect(socket),
    settings: WINDOWS,
  });
  await new Promise((resolve) => client.once("connect", resolve));
  client.setLocalWindowSize(SESSION_WINDOW);

  const unary = (): Promise<void> =>
    new Promise((resolve) => {
      const stream = client.request({
        ":method": "POST",
        ":path": "/unary",
        "content-type": "application/grpc",
        te: "trailers",
      });
      stream.on("data", () => undefined);
      stream.on("close", resolve);
      stream.end(REQUEST);
    });

  const waiting = new Map<number, () => void>();
  let nextId = 1;
  let received: Buffer = Buffer.alloc(0);
  const shared: ClientHttp2Stream = client.request({ ":method": "POST", ":path": "/stream" });
  shared.on("data", (chunk: Buffer) => {
    received = frames(received.length > 0 ? Buffer.concat([received, chunk]) : chunk, (id) => {
      waiting.get(id)?.();
      waiting.delete(id);
    });
  });
  const onStream = (): Promise<void> =>
    new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      shared.write(frame(id, REQUEST));
    });

  const drive = async (call: () => Promise<void>, total: number): Promise<void> => {
    let started = 0;
    const lane = async (): Promise<void> => {
      while (started < total) {
        started++;
        await call();
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  };
  const rows: Record<string, { callsPerSecond: number; cpuMicrosecondsPerCall: number }> = {};
  for (const [name, call] of [
    ["one stream per call", unary],
    ["messages on one stream", onStream],
  ] as const) {
    await drive(call, Math.min(CALLS, 20_000));
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await drive(call, CALLS);
    const cpu = process.cpuUsage(cpuBefore);
    rows[name] = {
      callsPerSecond: Math.round(CALLS / ((performance.now() - started) / 1000)),
      cpuMicrosecondsPerCall: Number(((cpu.user + cpu.system) / CALLS).toFixed(1)),
    };
  }
  process.stdout.write(
    `${JSON.stringify({ calls: CALLS, inFlight: IN_FLIGHT, ...rows }, null, 2)}\n`,
  );
  shared.close();
  client.close();
  server.close();
  rmSync(socket, { force: true });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
