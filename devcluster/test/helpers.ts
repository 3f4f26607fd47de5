import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DevCluster, type DevClusterOptions, startDevCluster } from "../src/index.js";

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  body: Record<string, unknown>;
}

export function tempDir(prefix = "devcluster-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startTestCluster(
  options: DevClusterOptions = {},
): Promise<DevCluster & { cleanup(): Promise<void> }> {
  const dataDir = options.dataDir ?? tempDir();
  const cluster = await startDevCluster({ port: 0, ...options, dataDir });
  return {
    ...cluster,
    async cleanup() {
      await cluster.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One HTTPS call with the cluster's CA and token (override headers to test auth). */
export function call(
  cluster: { url: string; caPem: string; token: string },
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  const payload =
    body === undefined
      ? undefined
      : typeof body === "string" || Buffer.isBuffer(body)
        ? body
        : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${cluster.url}${path}`,
      {
        method,
        ca: cluster.caPem,
        headers: {
          authorization: `Bearer ${cluster.token}`,
          // Node's client sends a DELETE body without framing unless told its length.
          ...(payload !== undefined
            ? {
                "content-type": "application/json",
                "content-length": String(Buffer.byteLength(payload)),
              }
            : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: Record<string, unknown> = {};
          try {
            parsed = JSON.parse(text) as Record<string, unknown>;
          } catch {
            parsed = {};
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Polls until `check` returns a value other than undefined, or fails showing what was last seen. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs?: number; describe?: () => unknown } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const seen = options.describe ? await options.describe() : last;
      throw new Error(
        `timed out waiting for ${what}; last seen: ${JSON.stringify(seen, null, 1)?.slice(0, 2000)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function field(value: unknown, ...path: Array<string | number>): unknown {
  let current: unknown = value;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

export type TestCluster = Awaited<ReturnType<typeof startTestCluster>>;

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real kubectl against the cluster (its own HOME, so no user config leaks in). */
export function kubectl(cluster: TestCluster, args: string[], stdin = ""): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      "kubectl",
      args,
      {
        env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath, HOME: cluster.dataDir },
        timeout: 60_000,
      },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
          stdout,
          stderr,
        }),
    );
    child.stdin?.end(stdin);
  });
}

/** kubectl's stdout; a failure throws with its stderr. */
export async function kubectlOk(cluster: TestCluster, ...args: string[]): Promise<string> {
  const result = await kubectl(cluster, args);
  if (result.code !== 0)
    throw new Error(`kubectl ${args.join(" ")} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

/** Writes a manifest into the cluster's data directory and answers its path. */
export function writeManifest(cluster: TestCluster, name: string, text: string): string {
  const path = join(cluster.dataDir, name);
  writeFileSync(path, text);
  return path;
}
