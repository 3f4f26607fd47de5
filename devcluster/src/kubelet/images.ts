import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { isObject } from "../api/types.js";

/** Which images the simulated registry has, and how long a pull takes. */
export interface ImageConfig {
  /** Glob patterns (`*` matches anything) of images that exist; empty: every well-formed one. */
  exists?: string[];
  /** Glob patterns of images that do not exist; they win over `exists`. */
  missing?: string[];
  /** How long pulling an image takes (default 0). */
  pullDelayMs?: number;
}

// The reference grammar of container images: [domain[:port]/]path[:tag][@digest], with
// lower-case path components separated by `.`, `_`, `__` or dashes. As container runtimes
// parse it, the first part is a registry only when it has a `.` or a `:` or is `localhost`.
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN =
  /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/;
const REMAINDER = new RegExp(
  `^${COMPONENT}(?:/${COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`,
);

/** Whether `image` is a well-formed reference (otherwise the kubelet says InvalidImageName). */
export function validImageReference(image: string): boolean {
  if (image.length === 0 || image.length > 255) return false;
  const slash = image.indexOf("/");
  const first = slash < 0 ? "" : image.slice(0, slash);
  if (first !== "" && (first.includes(".") || first.includes(":") || first === "localhost"))
    return DOMAIN.test(first) && REMAINDER.test(image.slice(slash + 1));
  return REMAINDER.test(image);
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`);
}

function strings(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
    throw new Error(`${where} must be a list of image patterns (strings)`);
  return value;
}

/** Reads an image configuration from parsed YAML/JSON, naming the field that is wrong. */
export function parseImageConfig(raw: unknown, source: string): ImageConfig {
  if (raw === null || raw === undefined) return {};
  if (!isObject(raw))
    throw new Error(`${source}: expected a mapping with exists, missing and pullDelayMs`);
  const delay = raw.pullDelayMs;
  if (delay !== undefined && (typeof delay !== "number" || !(delay >= 0)))
    throw new Error(`${source}: pullDelayMs must be a non-negative number of milliseconds`);
  return {
    exists: strings(raw.exists, `${source}: exists`),
    missing: strings(raw.missing, `${source}: missing`),
    ...(typeof delay === "number" ? { pullDelayMs: delay } : {}),
  };
}

export function loadImageConfigFile(path: string): ImageConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read the image list ${path}: ${(error as Error).message}`);
  }
  return parseImageConfig(parse(text) as unknown, path);
}

/** The simulated registry the kubelet pulls from. */
export class ImageRegistry {
  private exists: RegExp[] = [];
  private missing: RegExp[] = [];
  pullDelayMs = 0;

  constructor(config: ImageConfig = {}) {
    this.configure(config);
  }

  configure(config: ImageConfig): void {
    this.exists = (config.exists ?? []).map(globToRegExp);
    this.missing = (config.missing ?? []).map(globToRegExp);
    this.pullDelayMs = config.pullDelayMs ?? 0;
  }

  /** Whether a (well-formed) image can be pulled. */
  has(image: string): boolean {
    if (this.missing.some((p) => p.test(image))) return false;
    return this.exists.length === 0 || this.exists.some((p) => p.test(image));
  }
}
