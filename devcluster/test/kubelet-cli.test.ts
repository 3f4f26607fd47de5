import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { call, field, tempDir, waitFor } from "./helpers.js";

// `devcluster start --images FILE`, through the built CLI (build first: npx tsc -b devcluster).
const CLI = new URL("../dist/cli.js", import.meta.url).pathname;
const dir = tempDir();
const children: ChildProcess[] = [];

afterAll(async () => {
  // A clean stop (SIGTERM) writes its snapshot; wait for it before removing the directory.
  await Promise.all(
    children
      .filter((child) => child.exitCode === null)
      .map(
        (child) =>
          new Promise<void>((resolve) => {
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
          }),
      ),
  );
  rmSync(dir, { recursive: true, force: true });
});

describe("devcluster start --images", { timeout: 120_000 }, () => {
  it("refuses an image list it cannot read, saying which file and why", async () => {
    const missing = join(dir, "absent.yaml");
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [CLI, "start", "--data-dir", join(dir, "bad"), "--port", "0", "--images", missing],
        { timeout: 60_000 },
        (error, _stdout, stderr) =>
          resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`devcluster: cannot read the image list ${missing}: ENOENT`);
  });

  it("serves the registry the file describes: a listed missing image never pulls", async () => {
    const images = join(dir, "images.yaml");
    writeFileSync(images, "exists: ['nginx:*']\nmissing: ['nginx:0.*']\n");
    const dataDir = join(dir, "data");
    const child = spawn(
      process.execPath,
      [CLI, "start", "--data-dir", dataDir, "--port", "0", "--images", images],
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
    const access = {
      url,
      caPem: readFileSync(join(dataDir, "ca.crt"), "utf8"),
      token: readFileSync(join(dataDir, "token"), "utf8").trim(),
    };
    const pods = "/api/v1/namespaces/default/pods";
    for (const [name, image] of [
      ["old", "nginx:0.9"],
      ["other", "redis:7"],
      ["current", "nginx:1.27"],
    ] as const) {
      const res = await call(access, "POST", pods, {
        metadata: { name },
        spec: { containers: [{ name: "c", image }] },
      });
      expect(res.status).toBe(201);
    }
    const reason = async (name: string): Promise<unknown> =>
      field(
        (await call(access, "GET", `${pods}/${name}`)).body,
        "status",
        "containerStatuses",
        0,
        "state",
        "waiting",
        "reason",
      );
    await waitFor("nginx:0.9 and redis:7 to fail to pull", async () =>
      ["ErrImagePull", "ImagePullBackOff"].includes(String(await reason("old"))) &&
      ["ErrImagePull", "ImagePullBackOff"].includes(String(await reason("other")))
        ? true
        : undefined,
    );
    await waitFor("nginx:1.27 to run", async () =>
      field((await call(access, "GET", `${pods}/current`)).body, "status", "phase") === "Running"
        ? true
        : undefined,
    );
  });
});
