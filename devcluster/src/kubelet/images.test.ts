import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ImageRegistry,
  loadImageConfigFile,
  parseImageConfig,
  validImageReference,
} from "./images.js";

describe("image references", () => {
  it("accepts what a container runtime accepts and rejects the rest", () => {
    for (const good of [
      "nginx",
      "nginx:1.27",
      "library/nginx:latest",
      "registry.example:5000/team/app_v2:1.0-rc.1",
      `busybox@sha256:${"a".repeat(64)}`,
      "localhost/app",
    ])
      expect(validImageReference(good), good).toBe(true);
    for (const bad of [
      "",
      "Nginx",
      "nginx:",
      "nginx::1",
      "a b",
      "-app",
      "app:tag@sha256:short",
      "UPPER/case",
    ])
      expect(validImageReference(bad), bad).toBe(false);
  });
});

describe("the simulated registry", () => {
  it("has every image by default, honours exists and missing patterns, missing winning", () => {
    expect(new ImageRegistry().has("anything:1")).toBe(true);
    const registry = new ImageRegistry({
      exists: ["nginx:*", "example.org/*"],
      missing: ["example.org/gone*"],
    });
    expect(registry.has("nginx:1.27")).toBe(true);
    expect(registry.has("example.org/team/app:1")).toBe(true);
    expect(registry.has("example.org/gone:1")).toBe(false);
    expect(registry.has("redis:7")).toBe(false);
  });

  it("reads a YAML image list and names what is wrong in a bad one", () => {
    const dir = mkdtempSync(join(tmpdir(), "devcluster-images-"));
    try {
      const path = join(dir, "images.yaml");
      writeFileSync(path, "exists: ['nginx:*']\nmissing: ['nginx:0.*']\npullDelayMs: 250\n");
      expect(loadImageConfigFile(path)).toEqual({
        exists: ["nginx:*"],
        missing: ["nginx:0.*"],
        pullDelayMs: 250,
      });
      writeFileSync(path, "pullDelayMs: soon\n");
      expect(() => loadImageConfigFile(path)).toThrow(/pullDelayMs must be a non-negative number/);
      expect(() => loadImageConfigFile(join(dir, "absent.yaml"))).toThrow(
        /cannot read the image list/,
      );
      expect(() => parseImageConfig({ exists: "nginx" }, "x")).toThrow(/x: exists must be a list/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
