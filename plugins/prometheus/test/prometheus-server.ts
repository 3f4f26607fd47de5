// A real Prometheus for the integration tests: Debian's package, unpacked into the repo's
// .cache/ (never installed system-wide), started on a free loopback port with a temporary
// configuration that scrapes a tiny HTTP app whose metric values the test sets.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

function cacheDir(): string {
  return join(process.env.SLUICE_CACHE_DIR ?? join(repoRoot, ".cache"), "prometheus");
}

function onPath(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "prometheus");
    if (dir !== "" && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The path of a prometheus binary: on PATH, or unpacked in the cache, or fetched now with
 * `apt-get download prometheus` (after `apt-get update` if the first try fails) and `dpkg -x`.
 */
export async function findOrFetchPrometheus(): Promise<string> {
  const installed = onPath();
  if (installed) return installed;
  const root = cacheDir();
  const binary = join(root, "usr", "bin", "prometheus");
  if (existsSync(binary)) return binary;

  await mkdir(join(root, ".."), { recursive: true });
  const work = await mkdtemp(join(join(root, ".."), "prometheus-download-"));
  try {
    try {
      await run("apt-get", ["download", "prometheus"], { cwd: work });
    } catch {
      await run("apt-get", ["update"], { cwd: work });
      await run("apt-get", ["download", "prometheus"], { cwd: work });
    }
    const deb = (await readdir(work)).find((name) => name.endsWith(".deb"));
    if (!deb) throw new Error(`apt-get download prometheus left no .deb in ${work}`);
    const unpacked = join(work, "root");
    await run("dpkg", ["-x", join(work, deb), unpacked]);
    // Rename is atomic: a concurrent run either sees the whole tree or none of it.
    await rename(unpacked, root).catch((error: NodeJS.ErrnoException) => {
      if (!existsSync(binary)) throw error;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  if (!existsSync(binary)) throw new Error(`no prometheus binary at ${binary} after unpacking`);
  return binary;
}

/** The scraped app: serves `/metrics` in the text exposition format from `gauges`. */
export class MetricsApp {
  readonly gauges = new Map<string, number>();
  private server: http.Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      if (req.url !== "/metrics") {
        res.writeHead(404).end();
        return;
      }
      let text = "";
      for (const [name, value] of this.gauges) {
        text += `# TYPE ${name} gauge\n${name} ${formatSample(value)}\n`;
      }
      res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" }).end(text);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}

function formatSample(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface PrometheusOptions {
  /** Scrape target `127.0.0.1:<port>`. */
  targetPort: number;
  /** Prometheus' `--web.config.file` content (TLS, basic auth), YAML. */
  webConfig?: string;
  /** Files the web config refers to, written beside it: name → content. */
  files?: Record<string, string>;
}

export class PrometheusServer {
  private child: ChildProcess | undefined;
  private workDir = "";
  private output = "";
  port = 0;

  async start(options: PrometheusOptions): Promise<void> {
    const binary = await findOrFetchPrometheus();
    this.workDir = await mkdtemp(join(tmpdir(), "sluice-prometheus-"));
    const config = [
      "global:",
      "  scrape_interval: 1s",
      "  evaluation_interval: 1s",
      "scrape_configs:",
      "  - job_name: app",
      "    static_configs:",
      `      - targets: ["127.0.0.1:${options.targetPort}"]`,
      "",
    ].join("\n");
    await writeFile(join(this.workDir, "prometheus.yml"), config);
    for (const [name, content] of Object.entries(options.files ?? {})) {
      await writeFile(join(this.workDir, name), content);
    }
    this.port = await freePort();
    const args = [
      `--config.file=${join(this.workDir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(this.workDir, "data")}`,
      `--web.listen-address=127.0.0.1:${this.port}`,
      "--log.level=warn",
    ];
    if (options.webConfig !== undefined) {
      await writeFile(join(this.workDir, "web.yml"), options.webConfig);
      args.push(`--web.config.file=${join(this.workDir, "web.yml")}`);
    }
    this.child = spawn(binary, args, { cwd: this.workDir, stdio: ["ignore", "pipe", "pipe"] });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4000);
    };
    this.child.stdout?.on("data", keep);
    this.child.stderr?.on("data", keep);
  }

  /** What Prometheus printed lately, for failure messages. */
  get recentOutput(): string {
    return this.output;
  }

  get exited(): boolean {
    return this.child?.exitCode !== null || this.child?.signalCode !== null;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (this.workDir !== "") await rm(this.workDir, { recursive: true, force: true });
  }
}

/**
 * Calls `probe` until it returns a value (not undefined) or the deadline passes; the error
 * then shows what the probe saw last.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<{ done: true; value: T } | { done: false; seen: string }>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "nothing yet";
  while (Date.now() < deadline) {
    try {
      const outcome = await probe();
      if (outcome.done) return outcome.value;
      last = outcome.seen;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${last}`);
}
