// Readers for a provider's configuration block, which arrives as `unknown` JSON
// (CONVENTIONS: objects from outside are unknown until validated). Every failure names the
// field so the measurement message tells the user what to fix in the AnalysisTemplate.

/** A configuration the user must fix; the measurement ends in Error with this message. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `string ${JSON.stringify(value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

export class ConfigReader {
  constructor(
    readonly object: JsonObject,
    /** Path of this object in the metric, for messages: `provider.prometheus`. */
    readonly path: string,
  ) {}

  static root(value: unknown, path: string): ConfigReader {
    if (!isObject(value)) {
      throw new ConfigError(`${path} must be an object, got ${describe(value)}`);
    }
    return new ConfigReader(value, path);
  }

  /**
   * Refuses fields this block does not define, so a typo (`timout`) is reported instead of
   * silently ignored.
   */
  allowOnly(keys: readonly string[]): this {
    const unknown = Object.keys(this.object).filter((key) => !keys.includes(key));
    if (unknown.length > 0) {
      throw new ConfigError(
        `${this.path} has unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => JSON.stringify(k)).join(", ")} (known: ${keys.join(", ")})`,
      );
    }
    return this;
  }

  private at(key: string): string {
    return `${this.path}.${key}`;
  }

  has(key: string): boolean {
    const value = this.object[key];
    return value !== undefined && value !== null;
  }

  string(key: string): string | undefined {
    const value = this.object[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") {
      throw new ConfigError(`${this.at(key)} must be a string, got ${describe(value)}`);
    }
    return value;
  }

  requiredString(key: string): string {
    const value = this.string(key);
    if (value === undefined || value === "") {
      throw new ConfigError(`${this.at(key)} is required`);
    }
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.object[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "boolean") {
      throw new ConfigError(`${this.at(key)} must be true or false, got ${describe(value)}`);
    }
    return value;
  }

  /** An integer field (CRD int64). A numeric string is accepted, as the API server would store it. */
  integer(key: string): number | undefined {
    const value = this.object[key];
    if (value === undefined || value === null) return undefined;
    const number = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
    if (typeof number !== "number" || !Number.isInteger(number)) {
      throw new ConfigError(`${this.at(key)} must be an integer, got ${describe(value)}`);
    }
    return number;
  }

  stringArray(key: string): string[] | undefined {
    const value = this.object[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
      throw new ConfigError(`${this.at(key)} must be a list of strings, got ${describe(value)}`);
    }
    return value as string[];
  }

  stringMap(key: string): Record<string, string> | undefined {
    const value = this.object[key];
    if (value === undefined || value === null) return undefined;
    if (!isObject(value) || Object.values(value).some((item) => typeof item !== "string")) {
      throw new ConfigError(
        `${this.at(key)} must be a map of names to strings, got ${describe(value)}`,
      );
    }
    return value as Record<string, string>;
  }

  child(key: string): ConfigReader | undefined {
    const value = this.object[key];
    if (value === undefined || value === null) return undefined;
    if (!isObject(value)) {
      throw new ConfigError(`${this.at(key)} must be an object, got ${describe(value)}`);
    }
    return new ConfigReader(value, this.at(key));
  }

  /** `headers: [{key, value}]` as in the original's CRDs. Later entries replace earlier ones. */
  headers(key: string): Array<{ key: string; value: string }> {
    const value = this.object[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      throw new ConfigError(
        `${this.at(key)} must be a list of {key, value}, got ${describe(value)}`,
      );
    }
    return value.map((item, index) => {
      const entry = ConfigReader.root(item, `${this.at(key)}[${index}]`).allowOnly([
        "key",
        "value",
      ]);
      return { key: entry.requiredString("key"), value: entry.string("value") ?? "" };
    });
  }

  raw(key: string): unknown {
    return this.object[key];
  }
}
