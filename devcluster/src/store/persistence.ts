import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
  writevSync,
} from "node:fs";
import { join } from "node:path";
import type { KubeObject } from "../api/types.js";

/**
 * Durability: every change is appended to `changes.log` with a synchronous write(2) before the
 * API answers. Once write(2) returns the bytes are in the kernel's page cache, so they survive
 * the death of this process (SIGKILL, crash); only a power loss or kernel crash could lose
 * them, which a development cluster accepts (set `fsync` to also survive those). The log is
 * folded into `snapshot.jsonl` when it grows large and at every start and clean stop.
 */
export type LogRecord =
  | { op: "put"; k: string; rv: number; o: KubeObject }
  | { op: "del"; k: string; rv: number; ns: string; n: string };

export interface LoadedState {
  resourceVersion: number;
  objects: Array<{ key: string; obj: KubeObject }>;
  /** Log lines that could not be read (a torn last line after a crash). */
  skippedLines: number;
}

const SNAPSHOT = "snapshot.jsonl";
const LOG = "changes.log";
const CLOSE_LINE = Buffer.from("}\n");

function objectId(key: string, obj: KubeObject): string {
  return `${key}\u0000${obj.metadata.namespace ?? ""}\u0000${obj.metadata.name ?? ""}`;
}

export class Persistence {
  private logFd: number;
  private logBytes = 0;

  constructor(
    private readonly dataDir: string,
    private readonly options: { fsync: boolean; compactAfterBytes: number },
  ) {
    this.logFd = openSync(join(dataDir, LOG), "a");
    this.logBytes = fstatSync(this.logFd).size;
  }

  /** Reads the snapshot and replays the log over it. */
  static load(dataDir: string): LoadedState {
    const objects = new Map<string, { key: string; obj: KubeObject }>();
    let resourceVersion = 0;
    let skippedLines = 0;
    const snapshotPath = join(dataDir, SNAPSHOT);
    if (existsSync(snapshotPath)) {
      const lines = readFileSync(snapshotPath, "utf8").split("\n");
      for (const line of lines) {
        if (line === "") continue;
        const record = JSON.parse(line) as { rv?: number; k?: string; o?: KubeObject };
        if (typeof record.rv === "number") resourceVersion = record.rv;
        if (record.k !== undefined && record.o !== undefined) {
          objects.set(objectId(record.k, record.o), { key: record.k, obj: record.o });
        }
      }
    }
    const logPath = join(dataDir, LOG);
    if (existsSync(logPath)) {
      for (const line of readFileSync(logPath, "utf8").split("\n")) {
        if (line === "") continue;
        let record: LogRecord;
        try {
          record = JSON.parse(line) as LogRecord;
        } catch {
          // Only the last line can be torn (the process died inside write(2)); it was never
          // acknowledged to a client, so dropping it loses nothing that was promised.
          skippedLines++;
          continue;
        }
        // A crash between writing a snapshot and truncating the log leaves old records behind.
        if (record.rv <= resourceVersion) continue;
        resourceVersion = record.rv;
        if (record.op === "put")
          objects.set(objectId(record.k, record.o), { key: record.k, obj: record.o });
        else objects.delete(`${record.k}\u0000${record.ns}\u0000${record.n}`);
      }
    }
    return { resourceVersion, objects: [...objects.values()], skippedLines };
  }

  /** Appends one change; `objectBytes` is the object already serialized (UTF-8) by the store. */
  append(record: LogRecord, objectBytes?: Buffer): void {
    // A put reuses the store's bytes of the object between a prefix and a suffix: the object
    // is neither serialized nor encoded again for the log.
    const parts =
      record.op === "put" && objectBytes !== undefined
        ? [
            Buffer.from(`{"op":"put","k":${JSON.stringify(record.k)},"rv":${record.rv},"o":`),
            objectBytes,
            CLOSE_LINE,
          ]
        : [Buffer.from(`${JSON.stringify(record)}\n`, "utf8")];
    const total = parts.reduce((sum, part) => sum + part.length, 0);
    let written = writevSync(this.logFd, parts);
    if (written < total) {
      // A short write (rare: disk full, signals): finish from one contiguous copy.
      const whole = Buffer.concat(parts);
      while (written < total) written += writeSync(this.logFd, whole, written);
    }
    this.logBytes += total;
    if (this.options.fsync) fsyncSync(this.logFd);
  }

  needsCompaction(): boolean {
    return this.logBytes > this.options.compactAfterBytes;
  }

  /** Writes every object to a new snapshot, swaps it in, then starts an empty log. */
  compact(resourceVersion: number, objects: Iterable<{ key: string; json: string }>): void {
    const temporary = join(this.dataDir, `${SNAPSHOT}.tmp`);
    const fd = openSync(temporary, "w");
    try {
      const chunks: string[] = [`${JSON.stringify({ rv: resourceVersion })}\n`];
      let size = 0;
      const flush = (): void => {
        const buffer = Buffer.from(chunks.join(""), "utf8");
        let offset = 0;
        while (offset < buffer.length) offset += writeSync(fd, buffer, offset);
        chunks.length = 0;
        size = 0;
      };
      for (const { key, json } of objects) {
        const line = `{"k":${JSON.stringify(key)},"o":${json}}\n`;
        chunks.push(line);
        size += line.length;
        if (size > 1 << 20) flush();
      }
      flush();
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, join(this.dataDir, SNAPSHOT));
    closeSync(this.logFd);
    this.logFd = openSync(join(this.dataDir, LOG), "w");
    this.logBytes = 0;
  }

  close(): void {
    closeSync(this.logFd);
  }
}
