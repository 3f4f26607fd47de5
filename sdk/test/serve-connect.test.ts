import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  Capability,
  connectTrafficRouter,
  PluginCallError,
  PluginKind,
  type PluginServerHandle,
  type ServeOptions,
  serveTrafficRouter,
  type TrafficRouterPlugin,
  toJsonBytes,
  WeightVerification,
} from "@sluice/sdk";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { examplePath, fixturePath, freshSocket, startNode, waitFor } from "./helpers.js";

const quiet = pino({ level: "silent" });
const rollout = toJsonBytes({ metadata: { name: "web", namespace: "default" } });
const config = toJsonBytes({});

const router: TrafficRouterPlugin = {
  name: "test/in-process",
  version: "1.2.3",
  setWeight({ desiredWeight }) {
    if (desiredWeight === 13) throw new Error("unlucky weight");
  },
  async verifyWeight({ desiredWeight }) {
    // A slow data plane: used by the deadline test.
    if (desiredWeight === 99) await new Promise((resolve) => setTimeout(resolve, 5_000));
    return WeightVerification.VERIFIED;
  },
};

const servers: PluginServerHandle[] = [];
async function serve(options: ServeOptions): Promise<PluginServerHandle> {
  const handle = await serveTrafficRouter(router, {
    logger: quiet,
    handleSignals: false,
    ...options,
  });
  servers.push(handle);
  return handle;
}
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

describe("serveTrafficRouter and connectTrafficRouter in one process", () => {
  it("serves on a Unix socket with mode 0600, health and Init", async () => {
    const server = await serve({ listen: await freshSocket("basic") });
    const mode = (await stat(server.address.slice("unix://".length))).mode & 0o777;
    expect(mode.toString(8)).toBe("600");
    const client = connectTrafficRouter(server.address);
    expect(await client.health()).toBe("SERVING");
    const init = await client.init();
    expect(init).toMatchObject({
      name: "test/in-process",
      version: "1.2.3",
      kind: PluginKind.TRAFFIC_ROUTER,
    });
    client.close();
  });

  it("turns an exception in the implementation into an error reply and keeps serving", async () => {
    const server = await serve({ listen: await freshSocket("throws") });
    const client = connectTrafficRouter(server.address);
    const failed = await client.setWeight({ rollout, config, desiredWeight: 13 });
    expect(failed.error?.message).toBe("SetWeight failed inside the plugin: unlucky weight");
    const ok = await client.setWeight({ rollout, config, desiredWeight: 20 });
    expect(ok.error).toBeUndefined();
    client.close();
  });

  it("gives every call a deadline: a slow method rejects with DEADLINE_EXCEEDED in time", async () => {
    const server = await serve({ listen: await freshSocket("slow") });
    const client = connectTrafficRouter(server.address, { timeoutMs: 5_000 });
    const started = Date.now();
    const error = await client
      .verifyWeight({ rollout, config, desiredWeight: 99 }, { timeoutMs: 200 })
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(PluginCallError);
    expect((error as PluginCallError).code).toBe(4);
    // Far sooner than the method's 5 s: the 200 ms deadline, plus slack for a loaded machine.
    expect(Date.now() - started).toBeLessThan(3_000);
    client.close();
  });

  it("replaces a stale socket file but refuses a live one and a regular file", async () => {
    const live = await serve({ listen: await freshSocket("live") });
    await expect(serve({ listen: live.address })).rejects.toThrow(
      /another process is serving on it/,
    );

    const dir = await mkdtemp(join(tmpdir(), "sluice-sdk-test-"));
    const regular = join(dir, "not-a-socket");
    await writeFile(regular, "keep me");
    await expect(serve({ listen: `unix://${regular}` })).rejects.toThrow(
      /exists and is not a socket/,
    );
    expect(await readFile(regular, "utf8")).toBe("keep me");

    // A socket whose owner was killed stays on disk with nobody answering.
    const stale = join(dir, "stale.sock");
    await promisify(execFile)(process.execPath, [
      "-e",
      `require("net").createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, "SIGKILL"))`,
    ]).catch(() => undefined);
    expect((await stat(stale)).isSocket()).toBe(true);
    const server = await serve({ listen: `unix://${stale}` });
    const client = connectTrafficRouter(server.address);
    expect(await client.health()).toBe("SERVING");
    client.close();
  });

  it("reconnects once a plugin that went away is back on the same address", async () => {
    const address = await freshSocket("restart");
    const first = await serveTrafficRouter(router, {
      listen: address,
      logger: quiet,
      handleSignals: false,
    });
    const client = connectTrafficRouter(address, { timeoutMs: 5_000 });
    expect((await client.setWeight({ rollout, config, desiredWeight: 10 })).error).toBeUndefined();
    await first.close();
    await expect(client.setWeight({ rollout, config, desiredWeight: 10 })).rejects.toBeInstanceOf(
      PluginCallError,
    );
    await serve({ listen: address });
    const reply = await waitFor(
      "the client to reach the restarted plugin",
      () => client.setWeight({ rollout, config, desiredWeight: 10 }),
      30_000,
    );
    expect(reply.error).toBeUndefined();
    client.close();
  });

  it("serves TCP with TLS and a client that trusts the CA connects", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sluice-sdk-tls-"));
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    await promisify(execFile)("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout",
      key,
      "-out",
      cert,
    ]);
    const pem = { key: await readFile(key), cert: await readFile(cert) };
    const server = await serve({ listen: "127.0.0.1:0", tls: pem });
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const client = connectTrafficRouter(server.address, { tls: { ca: pem.cert } });
    expect((await client.init()).name).toBe("test/in-process");
    // After Init, calls travel on the Calls stream, over the same TLS connection.
    const verified = await client.verifyWeight({ rollout, config, desiredWeight: 10 });
    expect(verified.verification).toBe(WeightVerification.VERIFIED);
    client.close();
    const plaintext = connectTrafficRouter(server.address, { timeoutMs: 1_000 });
    await expect(plaintext.init()).rejects.toBeInstanceOf(PluginCallError);
    plaintext.close();
  });
});

describe("plugin processes", () => {
  it("a plugin killed in the middle of a call gives the client an error within its deadline", async () => {
    const address = await freshSocket("killed");
    const child = startNode(fixturePath("slow-router"), ["--listen", address]);
    const client = connectTrafficRouter(address, { timeoutMs: 5_000 });
    try {
      // A loaded shared machine can take many seconds to start a node process.
      await waitFor("the plugin to serve", () => client.health(), 30_000);
      const started = Date.now();
      const call = client
        .setWeight({ rollout, config: toJsonBytes({ delayMs: 30_000 }), desiredWeight: 40 })
        .catch((error: unknown) => error);
      await waitFor("the call to reach the plugin", () =>
        child.output.some((line) => line.includes("setWeight started")) ? true : undefined,
      );
      child.process.kill("SIGKILL");
      const error = await call;
      const elapsed = Date.now() - started;
      expect(error).toBeInstanceOf(PluginCallError);
      expect((error as PluginCallError).code).toBe(14); // UNAVAILABLE: the connection dropped
      expect(elapsed).toBeLessThan(5_000);
    } finally {
      client.close();
      child.process.kill("SIGKILL");
    }
  });

  // Without Init the client makes unary calls; after an Init that offers it, the Calls stream.
  it.for([
    ["a unary call", false],
    ["a call on the Calls stream", true],
  ] as const)(
    "SIGTERM lets %s in flight finish, removes the socket and exits 0",
    async ([_, initFirst]) => {
      const address = await freshSocket(initFirst ? "drain-calls" : "drain");
      const child = startNode(fixturePath("slow-router"), [], { SLUICE_PLUGIN_LISTEN: address });
      const client = connectTrafficRouter(address, { timeoutMs: 5_000 });
      try {
        // A loaded shared machine can take many seconds to start a node process.
        await waitFor("the plugin to serve", () => client.health(), 30_000);
        if (initFirst)
          expect((await client.init()).capabilities).toContain(Capability.CALLS_STREAM);
        const call = client.setWeight({
          rollout,
          config: toJsonBytes({ delayMs: 700 }),
          desiredWeight: 50,
        });
        await waitFor("the call to reach the plugin", () =>
          child.output.some((line) => line.includes("setWeight started")) ? true : undefined,
        );
        child.process.kill("SIGTERM");
        expect((await call).error).toBeUndefined();
        expect(await child.exited).toBe(0);
        expect(existsSync(address.slice("unix://".length))).toBe(false);
      } finally {
        client.close();
        child.process.kill("SIGKILL");
      }
    },
  );

  it("goes back to unary calls when a plugin declares the Calls stream but does not serve it", async () => {
    const address = await freshSocket("claims");
    const child = startNode(fixturePath("broken-router"), ["--defect", "claims-calls-stream"], {
      SLUICE_PLUGIN_LISTEN: address,
    });
    const client = connectTrafficRouter(address, { timeoutMs: 5_000 });
    try {
      await waitFor("the plugin to serve", () => client.health(), 30_000);
      expect((await client.init()).capabilities).toContain(Capability.CALLS_STREAM);
      const config = toJsonBytes({ routeName: "web" });
      expect(
        (await client.setWeight({ rollout, config, desiredWeight: 30 })).error,
      ).toBeUndefined();
      const verified = await client.verifyWeight({ rollout, config, desiredWeight: 30 });
      expect(verified.verification).toBe(WeightVerification.VERIFIED);
    } finally {
      client.close();
      child.process.kill("SIGKILL");
    }
  });

  it("a plugin whose supervisor is SIGKILLed stops by itself instead of lingering", async () => {
    const address = await freshSocket("orphan");
    // A stand-in supervisor: starts the plugin with its own pid, prints the plugin's pid, waits.
    const supervisor = startNode(
      "-e",
      [
        `const { spawn } = require("node:child_process");
         const plugin = spawn(process.execPath, [${JSON.stringify(examplePath("minimal-router"))}], {
           stdio: "ignore",
           env: { ...process.env, SLUICE_PLUGIN_SUPERVISOR_PID: String(process.pid) },
         });
         console.log("plugin pid " + plugin.pid);
         setInterval(() => {}, 1000);`,
      ],
      { SLUICE_PLUGIN_LISTEN: address },
    );
    const client = connectTrafficRouter(address, { timeoutMs: 5_000 });
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    let pluginPid = 0;
    try {
      await waitFor("the plugin to serve", () => client.health(), 30_000);
      pluginPid = Number(/plugin pid (\d+)/.exec(supervisor.output.join("\n"))?.[1] ?? Number.NaN);
      expect(alive(pluginPid)).toBe(true);
      supervisor.process.kill("SIGKILL");
      await waitFor(
        "the orphaned plugin to exit",
        () => (alive(pluginPid) ? undefined : true),
        15_000,
      );
    } finally {
      client.close();
      supervisor.process.kill("SIGKILL");
      if (pluginPid > 0 && alive(pluginPid)) process.kill(pluginPid, "SIGKILL");
    }
  });
});
