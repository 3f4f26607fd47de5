import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Http2Server, type ServerHttp2Stream } from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { GrpcCode, UnaryCallError, UnaryChannel } from "./unary-channel.js";

// A plain node:http2 server plays the plugin, so each test can put exactly the frames it
// needs on the wire (including the broken ones a real gRPC server never sends).
type Answer = (stream: ServerHttp2Stream, body: Buffer) => void;

const dirs: string[] = [];
const servers: Http2Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function socketPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-unary-"));
  dirs.push(dir);
  return join(dir, "plugin.sock");
}

async function serve(path: string, answer: Answer): Promise<Http2Server> {
  const server = createServer();
  server.on("stream", (stream) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => answer(stream, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  servers.push(server);
  return server;
}

function framed(payload: Buffer, flag = 0): Buffer {
  const out = Buffer.alloc(5 + payload.length);
  out[0] = flag;
  out.writeUInt32BE(payload.length, 1);
  payload.copy(out, 5);
  return out;
}

/** Answers like a gRPC server: headers, the given body, then trailers with the status. */
function reply(body: Buffer, status = "0", message?: string): Answer {
  return (stream) => {
    stream.respond(
      { ":status": 200, "content-type": "application/grpc" },
      { waitForTrailers: true },
    );
    stream.once("wantTrailers", () =>
      stream.sendTrailers({
        "grpc-status": status,
        ...(message === undefined ? {} : { "grpc-message": message }),
      }),
    );
    stream.end(body);
  };
}

async function failure(promise: Promise<unknown>): Promise<UnaryCallError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnaryCallError);
  return error as UnaryCallError;
}

const soon = (ms = 2_000): number => Date.now() + ms;

/** One call against a server answering with `answer`: the error it must end with. */
async function failedCall(answer: Answer, maxReplyBytes?: number): Promise<UnaryCallError> {
  const path = socketPath();
  await serve(path, answer);
  const channel = new UnaryChannel(
    { kind: "unix", path },
    maxReplyBytes === undefined ? {} : { maxReplyBytes },
  );
  try {
    return await failure(channel.call("/pkg.Service/Method", Buffer.alloc(0), soon()));
  } finally {
    channel.close();
  }
}

describe("UnaryChannel", () => {
  it("sends one framed message with a grpc-timeout and returns the reply's message", async () => {
    const path = socketPath();
    let body: Buffer | undefined;
    const server = await serve(path, (stream, received) => {
      body = received;
      reply(framed(Buffer.from("pong")))(stream, received);
    });
    const paths: string[] = [];
    const timeouts: string[] = [];
    server.on("stream", (_stream, headers) => {
      paths.push(String(headers[":path"]));
      timeouts.push(String(headers["grpc-timeout"]));
    });
    const channel = new UnaryChannel({ kind: "unix", path });
    const answer = await channel.call("/pkg.Service/Method", Buffer.from("ping"), soon(3_000));
    channel.close();
    expect(answer.toString()).toBe("pong");
    expect(body).toEqual(framed(Buffer.from("ping")));
    expect(paths).toEqual(["/pkg.Service/Method"]);
    // The deadline travels with the call, in milliseconds, never above what is left.
    expect(timeouts[0]).toMatch(/^\d+m$/);
    expect(Number(timeouts[0]?.slice(0, -1))).toBeLessThanOrEqual(3_000);
    expect(Number(timeouts[0]?.slice(0, -1))).toBeGreaterThan(2_000);
  });

  it("passes the plugin's status and percent-decoded message through", async () => {
    const error = await failedCall(reply(Buffer.alloc(0), "12", "unknown%20method%20%22Foo%22"));
    expect(error.code).toBe(GrpcCode.UNIMPLEMENTED);
    expect(error.details).toBe('unknown method "Foo"');
  });

  it("reads a trailers-only answer (status in the response headers)", async () => {
    const error = await failedCall((stream) => {
      stream.respond(
        {
          ":status": 200,
          "content-type": "application/grpc",
          "grpc-status": "7",
          "grpc-message": "no",
        },
        { endStream: true },
      );
    });
    expect(error.code).toBe(GrpcCode.PERMISSION_DENIED);
    expect(error.details).toBe("no");
  });

  it("maps an HTTP error without a gRPC status as gRPC does (404 → UNIMPLEMENTED)", async () => {
    const error = await failedCall((stream) => {
      stream.respond({ ":status": 404 }, { endStream: true });
    });
    expect(error.code).toBe(GrpcCode.UNIMPLEMENTED);
    expect(error.details).toContain("404");
  });

  it("refuses replies that break the framing, are compressed or carry two messages", async () => {
    const cases: Array<[Buffer, string]> = [
      [Buffer.alloc(0), "no message"],
      [Buffer.from([0, 0, 0]), "inside a message header"],
      [framed(Buffer.from("abc")).subarray(0, 6), "inside its message"],
      [framed(Buffer.from("abc"), 1), "compressed"],
      [Buffer.concat([framed(Buffer.from("a")), framed(Buffer.from("b"))]), "more than one"],
    ];
    for (const [body, why] of cases) {
      const error = await failedCall(reply(body));
      expect(error.code, why).toBe(GrpcCode.INTERNAL);
      expect(error.details).toContain(why);
    }
  });

  it("stops reading a reply above the size limit with RESOURCE_EXHAUSTED", async () => {
    const error = await failedCall(reply(framed(Buffer.alloc(64 * 1024, 1))), 1024);
    expect(error.code).toBe(GrpcCode.RESOURCE_EXHAUSTED);
  });

  it("ends a call that gets no answer with DEADLINE_EXCEEDED at its deadline", async () => {
    const path = socketPath();
    await serve(path, () => undefined);
    const channel = new UnaryChannel({ kind: "unix", path });
    const started = Date.now();
    const error = await failure(channel.call("/p.S/M", Buffer.alloc(0), started + 300));
    channel.close();
    expect(error.code).toBe(GrpcCode.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it("fails fast with UNAVAILABLE while nobody listens, then connects after its backoff", async () => {
    const path = socketPath();
    const channel = new UnaryChannel(
      { kind: "unix", path },
      { initialBackoffMs: 2_000, maxBackoffMs: 2_000 },
    );
    const first = await failure(channel.call("/p.S/M", Buffer.alloc(0), soon()));
    expect(first.code).toBe(GrpcCode.UNAVAILABLE);
    expect(first.details).toContain("could not connect");
    const failedAt = Date.now();
    await serve(path, reply(framed(Buffer.from("up"))));
    // Within the backoff a call does not dial, even though the plugin is now there: it fails
    // at once with the reason of the last dial.
    const second = await failure(channel.call("/p.S/M", Buffer.alloc(0), soon()));
    expect(Date.now() - failedAt).toBeLessThan(2_000);
    expect(second.code).toBe(GrpcCode.UNAVAILABLE);
    expect(second.details).toBe(first.details);
    // After it, the next call dials and gets through.
    let answer: Buffer | undefined;
    for (let tries = 0; answer === undefined && tries < 100; tries++) {
      answer = await channel.call("/p.S/M", Buffer.alloc(0), soon()).catch(async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return undefined;
      });
    }
    channel.close();
    expect(answer?.toString()).toBe("up");
    expect(Date.now() - failedAt).toBeGreaterThanOrEqual(1_900);
  });

  it("ends calls in flight with UNAVAILABLE when the connection drops, and dials again", async () => {
    const path = socketPath();
    let calls = 0;
    const server = await serve(path, (stream, body) => {
      calls++;
      // The first call is never answered: its connection is cut under it.
      if (calls === 1) {
        stream.session?.destroy();
        return;
      }
      reply(framed(Buffer.from("again")))(stream, body);
    });
    const channel = new UnaryChannel({ kind: "unix", path });
    const error = await failure(channel.call("/p.S/M", Buffer.alloc(0), soon()));
    expect(error.code).toBe(GrpcCode.UNAVAILABLE);
    const answer = await channel.call("/p.S/M", Buffer.alloc(0), soon());
    channel.close();
    expect(answer.toString()).toBe("again");
    expect(server.listening).toBe(true);
  });

  it("ends calls in flight with CANCELLED when the client is closed", async () => {
    const path = socketPath();
    await serve(path, () => undefined);
    const channel = new UnaryChannel({ kind: "unix", path });
    const pending = failure(channel.call("/p.S/M", Buffer.alloc(0), soon()));
    await new Promise((resolve) => setTimeout(resolve, 100));
    channel.close();
    expect((await pending).code).toBe(GrpcCode.CANCELLED);
    expect((await failure(channel.call("/p.S/M", Buffer.alloc(0), soon()))).code).toBe(
      GrpcCode.CANCELLED,
    );
  });

  it("does not keep a process alive once its calls are done", () => {
    const path = socketPath();
    // A child process serves, calls once and never closes the channel: it must still exit.
    const script = `
      import { createServer } from "node:http2";
      import { UnaryChannel } from ${JSON.stringify(new URL("../dist/unary-channel.js", import.meta.url).href)};
      const server = createServer();
      // The server side of the connection must not hold the process either: only the client's is tested.
      server.on("session", (session) => session.unref());
      server.on("stream", (stream) => {
        stream.on("data", () => {});
        stream.on("end", () => {
          stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
          stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
          stream.end(Buffer.from([0, 0, 0, 0, 1, 42]));
        });
      });
      server.listen(${JSON.stringify(path)}, async () => {
        server.unref();
        const channel = new UnaryChannel({ kind: "unix", path: ${JSON.stringify(path)} });
        const answer = await channel.call("/p.S/M", Buffer.alloc(0), Date.now() + 2000);
        console.log("answer", answer[0]);
      });
    `;
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 10_000,
    });
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("answer 42");
    expect(result.status).toBe(0);
  });
});
