import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

// DESIGN.md §3: the generated TypeScript is committed, and the build fails when it no longer
// matches the .proto files. This regenerates with the same buf template into a scratch
// directory and compares file by file.
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const committedDir = join(packageDir, "src", "gen");
const bufBinary = join(packageDir, "..", "node_modules", ".bin", "buf");

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe("generated code in proto/src/gen", () => {
  let scratch = "";
  afterAll(async () => {
    if (scratch !== "") await rm(scratch, { recursive: true, force: true });
  });

  it("comes from a contract that passes buf lint, including a comment on every element", async () => {
    // buf.yaml enables the STANDARD and COMMENTS rule sets; a failure lists each offence.
    const lint = await promisify(execFile)(bufBinary, ["lint"], { cwd: packageDir }).then(
      () => "",
      (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ""}${error.stderr ?? ""}`,
    );
    expect(lint).toBe("");
  });

  it("is what `npm run proto` produces from the current .proto files", async () => {
    scratch = await mkdtemp(join(tmpdir(), "sluice-proto-"));
    // npm puts node_modules/.bin on PATH for `npm run proto`; do the same so buf finds the
    // local protoc-gen-ts_proto.
    const path = `${join(packageDir, "node_modules", ".bin")}:${join(packageDir, "..", "node_modules", ".bin")}:${process.env.PATH ?? ""}`;
    await promisify(execFile)(bufBinary, ["generate", "--output", scratch], {
      cwd: packageDir,
      env: { ...process.env, PATH: path },
    });
    const freshDir = join(scratch, "src", "gen");
    const fresh = await listFiles(freshDir);
    const committed = await listFiles(committedDir);
    const hint = "run `npm run proto` and commit proto/src/gen";
    expect(committed, `generated file list differs: ${hint}`).toEqual(fresh);
    for (const file of fresh) {
      const want = await readFile(join(freshDir, file), "utf8");
      const have = await readFile(join(committedDir, file), "utf8");
      expect(have === want, `proto/src/gen/${file} is stale: ${hint}`).toBe(true);
    }
  });
});
