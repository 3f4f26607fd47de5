import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { call, field, tempDir, waitFor } from "./helpers.js";

// devcluster as a separate process, killed with SIGKILL right after it answered 2xx.
const CLI = new URL("../dist/cli.js", import.meta.url).pathname;
const dataDir = tempDir();
const children: ChildProcess[] = [];

interface Running {
  child: ChildProcess;
  access: { url: string; caPem: string; token: string };
}

async function startProcess(port = 0): Promise<Running> {
  const child = spawn(
    process.execPath,
    [CLI, "start", "--data-dir", dataDir, "--port", String(port)],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  children.push(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = await waitFor(
    "devcluster to print its URL",
    () => /serving (https:\/\/\S+)/.exec(output)?.[1],
    { describe: () => output },
  );
  return {
    child,
    access: {
      url,
      caPem: readFileSync(join(dataDir, "ca.crt"), "utf8"),
      token: readFileSync(join(dataDir, "token"), "utf8").trim(),
    },
  };
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

// Two process starts each: generous limits for a busy machine.
describe("persistence", { timeout: 180_000 }, () => {
  it("keeps every object acknowledged before a SIGKILL, with resourceVersions still increasing", async () => {
    const first = await startProcess();
    const path = "/api/v1/namespaces/default/configmaps";
    const acknowledged: string[] = [];
    let lastVersion = 0;
    // 8 requests in flight; the kill lands while some are still being answered.
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < 200) {
          const name = `kept-${next++}`;
          const res = await call(first.access, "POST", path, {
            metadata: { name },
            data: { payload: "x".repeat(512) },
          });
          if (res.status === 201) {
            acknowledged.push(name);
            lastVersion = Math.max(
              lastVersion,
              Number(field(res.body, "metadata", "resourceVersion")),
            );
          }
        }
      }),
    );
    const updated = await call(
      first.access,
      "PATCH",
      `${path}/kept-0`,
      { data: { payload: "changed" } },
      { "content-type": "application/merge-patch+json" },
    );
    expect(updated.status).toBe(200);
    lastVersion = Number(field(updated.body, "metadata", "resourceVersion"));
    await kill(first.child);

    const second = await startProcess();
    const list = await call(second.access, "GET", path);
    const names = new Set(
      (list.body.items as Array<{ metadata: { name: string } }>).map((i) => i.metadata.name),
    );
    expect(acknowledged.filter((name) => !names.has(name))).toEqual([]);
    expect(
      field((await call(second.access, "GET", `${path}/kept-0`)).body, "data", "payload"),
    ).toBe("changed");
    const created = await call(second.access, "POST", path, { metadata: { name: "after" } });
    expect(Number(field(created.body, "metadata", "resourceVersion"))).toBeGreaterThan(lastVersion);
    await kill(second.child);
  });

  it("stops cleanly on SIGTERM and starts again from the same data directory", async () => {
    const running = await startProcess();
    await call(running.access, "POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { name: "graceful" },
    });
    const exited = new Promise<number | null>((resolve) =>
      running.child.once("exit", (code) => resolve(code)),
    );
    running.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const again = await startProcess();
    expect(
      (await call(again.access, "GET", "/api/v1/namespaces/default/configmaps/graceful")).status,
    ).toBe(200);
    await kill(again.child);
  });
});
