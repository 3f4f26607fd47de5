import { describe, expect, it } from "vitest";
import { checkFlags, parseCommandLine, parseDuration } from "./args.js";

describe("parseCommandLine", () => {
  it("reads global and command flags wherever they stand", () => {
    const args = parseCommandLine(["-n", "shop", "status", "web", "--watch=false", "-t", "30s"]);
    expect(args.words).toEqual(["status", "web"]);
    expect(args.flags).toMatchObject({ namespace: "shop", watch: false, timeout: "30s" });
  });

  it("rejects unknown flags and flags of another command", () => {
    expect(() => parseCommandLine(["get", "--bogus"])).toThrow("unknown flag --bogus; see --help");
    expect(() => checkFlags(parseCommandLine(["abort", "x", "--full"]), "abort", [])).toThrow(
      'unknown flag --full for "abort"',
    );
  });
});

describe("parseDuration", () => {
  it("takes Go-style durations and bare seconds", () => {
    expect(parseDuration("1m30s", "--timeout")).toBe(90_000);
    expect(parseDuration("500ms", "--timeout")).toBe(500);
    expect(parseDuration("2h", "--timeout")).toBe(7_200_000);
    expect(parseDuration("15", "--timeout")).toBe(15_000);
    expect(() => parseDuration("soon", "--timeout")).toThrow('invalid --timeout "soon"');
  });
});
