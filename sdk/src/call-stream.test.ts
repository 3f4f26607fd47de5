import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Http2Server } from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  encodeCallFrame,
  MeasurementPhase,
  MetricProviderService,
  RunRequest,
  RunResponse,
} from "@sluice/proto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CallStream, CallsUnsupported } from "./call-stream.js";
import { type HandlerError, PluginHttp2Server, type UnaryCall } from "./http2-server.js";
import { GrpcCode, UnaryCallError, UnaryChannel } from "./unary-channel.js";

// The SDK's plugin server and the client's Calls stream, end to end over a Unix socket. The
// Run handler answers with the request's metric bytes as the measurement's value, so every
// caller can check it got its own answer.
const CALLS_PATH = "/rollouts.plugin.v1.MetricProvider/Calls";
type Callback = (error: HandlerError | null, reply?: unknown) => void;

const dirs: string[] = [];
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function socketPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-calls-"));
  dirs.push(dir);
  return join(dir, "plugin.sock");
}

interface Served {
  path: string;
  server: PluginHttp2Server;
  /** HTTP/2 streams the server has seen, by path. */
  streams: string[];
}

async function serveRun(
  run: (call: UnaryCall, callback: Callback) => void,
  path = socketPath(),
): Promise<Served> {
  const server = new PluginHttp2Server();
  server.addService(MetricProviderService, { run });
  const streams: string[] = [];
  server.server.on("stream", (_stream, headers) => streams.push(String(headers[":path"])));
  await new Promise<void>((resolve) => server.server.listen(path, resolve));
  cleanups.push(() => server.server.close());
  return { path, server, streams };
}

const echo = (call: UnaryCall, callback: Callback): void => {
  const request = call.request as RunRequest;
  callback(
    null,
    RunResponse.fromPartial({
      measurement: {
        phase: MeasurementPhase.SUCCESSFUL,
        value: Buffer.from(request.metric).toString(),
      },
    }),
  );
};

function client(path: string): { channel: UnaryChannel; calls: CallStream } {
  const channel = new UnaryChannel({ kind: "unix", path });
  cleanups.push(() => channel.close());
  return { channel, calls: new CallStream(channel, CALLS_PATH) };
}

/** A Run call on the stream whose metric is `text`; resolves with the measured value. */
async function run(calls: CallStream, text: string, timeoutMs = 5_000, method = "Run") {
  const request = RunRequest.fromPartial({ metric: Buffer.from(text) });
  const reply = await calls.call(
    (id, ms) => encodeCallFrame(id, method, ms, RunRequest, request),
    Date.now() + timeoutMs,
  );
  return RunResponse.decode(reply).measurement?.value;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe("Calls stream", () => {
  it("carries hundreds of calls in flight on one HTTP/2 stream, each answered by its own id", async () => {
    // Answers in the reverse order of arrival, once all 300 are in.
    const waiting: Array<() => void> = [];
    const served = await serveRun((call, callback) => {
      waiting.push(() => echo(call, callback));
      if (waiting.length === 300) for (const answer of waiting.reverse()) answer();
    });
    const { calls } = client(served.path);
    const texts = Array.from({ length: 300 }, (_, i) => `metric-${i}`);
    expect(await Promise.all(texts.map((text) => run(calls, text)))).toEqual(texts);
    expect(served.streams).toEqual([CALLS_PATH]);
    expect(calls.inFlight).toBe(0);
  });

  it("gives each call its own status: a handler's error, an unknown method", async () => {
    const served = await serveRun((call, callback) => {
      if (Buffer.from((call.request as RunRequest).metric).toString() === "refuse")
        callback({ code: GrpcCode.PERMISSION_DENIED, details: "not this one" });
      else echo(call, callback);
    });
    const { calls } = client(served.path);
    const [refused, fine, unknown] = await Promise.allSettled([
      run(calls, "refuse"),
      run(calls, "fine"),
      run(calls, "x", 5_000, "NoSuchMethod"),
    ]);
    expect(refused).toMatchObject({
      status: "rejected",
      reason: { code: GrpcCode.PERMISSION_DENIED, details: "not this one" },
    });
    expect(fine).toEqual({ status: "fulfilled", value: "fine" });
    expect(unknown).toMatchObject({
      status: "rejected",
      reason: { code: GrpcCode.UNIMPLEMENTED },
    });
    expect((unknown as PromiseRejectedResult).reason.details).toContain("NoSuchMethod");
  });

  it("ends a call at its own deadline, tells the plugin, and keeps the stream for the next", async () => {
    const slow: Array<{ call: UnaryCall; receivedAt: number }> = [];
    const served = await serveRun((call, callback) => {
      if (Buffer.from((call.request as RunRequest).metric).toString() === "slow") {
        slow.push({ call, receivedAt: Date.now() });
        return; // never answered
      }
      echo(call, callback);
    });
    const { channel, calls } = client(served.path);
    // Connected first, so that the short deadline is spent on the call, not on dialling.
    await channel.connection(Date.now() + 5_000);
    const started = Date.now();
    const error = await failure(run(calls, "slow", 300));
    expect(error).toBeInstanceOf(UnaryCallError);
    expect((error as UnaryCallError).code).toBe(GrpcCode.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(2_000);
    // The plugin saw the call's own deadline (what was left of 300 ms), then the cancel message.
    expect(slow).toHaveLength(1);
    const seen = slow[0] as { call: UnaryCall; receivedAt: number };
    const deadline = seen.call.getDeadline();
    expect(deadline).toBeInstanceOf(Date);
    const allowedMs = (deadline as Date).getTime() - seen.receivedAt;
    expect(allowedMs).toBeGreaterThan(0);
    expect(allowedMs).toBeLessThanOrEqual(300);
    await vi.waitFor(() => expect(seen.call.cancelled).toBe(true), { timeout: 5_000 });
    expect(await run(calls, "after")).toBe("after");
    expect(served.streams).toEqual([CALLS_PATH]);
  });

  it("fails the calls in flight with UNAVAILABLE when the connection breaks, then opens a new stream", async () => {
    let first = true;
    const served = await serveRun((call, callback) => {
      if (first) {
        first = false;
        // Cut the connection under the first call.
        for (const session of (served.server as unknown as { sessions: Set<{ destroy(): void }> })
          .sessions)
          session.destroy();
        return;
      }
      echo(call, callback);
    });
    const { calls } = client(served.path);
    const error = await failure(run(calls, "lost"));
    expect((error as UnaryCallError).code).toBe(GrpcCode.UNAVAILABLE);
    expect(await run(calls, "again")).toBe("again");
    expect(served.streams).toEqual([CALLS_PATH, CALLS_PATH]);
  });

  it("lets a draining plugin finish its calls and end the stream, so it can stop", async () => {
    let release: (() => void) | undefined;
    const served = await serveRun((call, callback) => {
      release = () => echo(call, callback);
    });
    const { calls } = client(served.path);
    const inFlight = run(calls, "finishing");
    while (release === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    let cancelledLeftovers = false;
    const drained = served.server.drain(5_000, () => {
      cancelledLeftovers = true;
    });
    release();
    expect(await inFlight).toBe("finishing");
    await drained;
    expect(cancelledLeftovers).toBe(false);
  });

  it("reports a plugin without a Calls method as CallsUnsupported, at once and afterwards", async () => {
    // A gRPC server that knows no such method answers UNIMPLEMENTED for the stream.
    const path = socketPath();
    const server: Http2Server = createServer();
    server.on("stream", (stream) => {
      stream.respond(
        {
          ":status": 200,
          "content-type": "application/grpc",
          "grpc-status": "12",
          "grpc-message": "unknown method",
        },
        { endStream: true },
      );
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    cleanups.push(() => server.close());
    const { calls } = client(path);
    expect(await failure(run(calls, "x"))).toBeInstanceOf(CallsUnsupported);
    expect(await failure(run(calls, "y"))).toBeInstanceOf(CallsUnsupported);
  });

  it("gives up on a stream that stays silent past a call's deadline (servers that never answer unknown streams)", async () => {
    const path = socketPath();
    const server: Http2Server = createServer();
    server.on("stream", (stream) => stream.resume());
    await new Promise<void>((resolve) => server.listen(path, resolve));
    cleanups.push(() => server.close());
    const { channel, calls } = client(path);
    await channel.connection(Date.now() + 5_000);
    const [late, waiting] = await Promise.all([
      failure(run(calls, "first", 200)),
      failure(run(calls, "second", 5_000)),
    ]);
    expect((late as UnaryCallError).code).toBe(GrpcCode.DEADLINE_EXCEEDED);
    // The call still waiting is handed back at once, to be sent unary.
    expect(waiting).toBeInstanceOf(CallsUnsupported);
    expect(await failure(run(calls, "third"))).toBeInstanceOf(CallsUnsupported);
  });

  it("does not keep a process alive once its calls are done", () => {
    const path = socketPath();
    const dist = (file: string) => JSON.stringify(new URL(`../dist/${file}`, import.meta.url).href);
    const script = `
      import { encodeCallFrame, MetricProviderService, RunRequest, RunResponse } from "@sluice/proto";
      import { PluginHttp2Server } from ${dist("http2-server.js")};
      import { CallStream } from ${dist("call-stream.js")};
      import { UnaryChannel } from ${dist("unary-channel.js")};
      const server = new PluginHttp2Server();
      server.addService(MetricProviderService, {
        run: (call, callback) => callback(null, RunResponse.fromPartial({ measurement: { value: "42" } })),
      });
      server.server.on("session", (session) => session.unref());
      server.server.listen(${JSON.stringify(path)}, async () => {
        server.server.unref();
        const channel = new UnaryChannel({ kind: "unix", path: ${JSON.stringify(path)} });
        const calls = new CallStream(channel, ${JSON.stringify(CALLS_PATH)});
        const reply = await calls.call((id, ms) => encodeCallFrame(id, "Run", ms, RunRequest, RunRequest.fromPartial({})), Date.now() + 2000);
        console.log("answer", RunResponse.decode(reply).measurement.value);
      });
    `;
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 10_000,
      cwd: new URL("..", import.meta.url).pathname,
    });
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("answer 42");
    expect(result.status).toBe(0);
  });
});
