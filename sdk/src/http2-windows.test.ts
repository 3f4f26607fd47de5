import { mkdtempSync, rmSync } from "node:fs";
import {
  type ClientHttp2Session,
  connect,
  createServer,
  type Http2Server,
  type ServerHttp2Session,
} from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PluginHttp2Server } from "./http2-server.js";
import { SESSION_WINDOW_BYTES, STREAM_WINDOW_BYTES } from "./http2-windows.js";
import { UnaryChannel } from "./unary-channel.js";

// Both ends of a plugin connection grant the peer wide flow-control windows: with the
// protocol's 64 KiB, hundreds of calls in flight (each carrying its AnalysisRun) waited on
// window updates from a busy process, and some stalled for seconds behind the others.

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A PING round trip: frames the peer sent before its answer (a WINDOW_UPDATE) have arrived. */
function pinged(session: ClientHttp2Session | ServerHttp2Session): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    session.ping((error) => (error === null ? resolve() : reject(error))),
  );
}

describe("HTTP/2 flow-control windows of plugin connections", () => {
  it("the plugin server grants a calling client 8 MiB per call and 64 MiB per connection", async () => {
    const plugin = new PluginHttp2Server();
    await new Promise<void>((resolve) => plugin.server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => plugin.server.close());
    const { port } = plugin.server.address() as AddressInfo;
    const client = connect(`http://127.0.0.1:${port}`);
    cleanups.push(() => client.destroy());
    await new Promise<void>((resolve) => client.once("remoteSettings", () => resolve()));
    await pinged(client);
    expect(client.remoteSettings.initialWindowSize).toBe(STREAM_WINDOW_BYTES);
    // What the client may still send on the connection before the plugin reads anything.
    expect(client.state.remoteWindowSize).toBe(SESSION_WINDOW_BYTES);
  });

  it("a client channel grants the plugin the same for its answers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-windows-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, "plugin.sock");
    const server: Http2Server = createServer();
    const sessions: ServerHttp2Session[] = [];
    server.on("session", (session) => sessions.push(session));
    server.on("stream", (stream) => {
      stream.resume();
      stream.on("end", () => {
        stream.respond(
          { ":status": 200, "content-type": "application/grpc" },
          { waitForTrailers: true },
        );
        stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        stream.end(Buffer.from([0, 0, 0, 0, 0]));
      });
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    cleanups.push(() => server.close());
    const channel = new UnaryChannel({ kind: "unix", path });
    cleanups.push(() => channel.close());
    await channel.call("/pkg.Service/Method", Buffer.alloc(0), Date.now() + 5_000);
    const session = sessions[0];
    if (session === undefined) throw new Error("no session reached the server");
    await pinged(session);
    expect(session.remoteSettings.initialWindowSize).toBe(STREAM_WINDOW_BYTES);
    // Less the answer's few bytes, not yet acknowledged.
    expect(session.state.remoteWindowSize).toBeGreaterThan(SESSION_WINDOW_BYTES - 1024);
  });
});
