import { describe, expect, it } from "vitest";
import {
  createLogger,
  errorMessage,
  REDACTED,
  redactHeaders,
  redactSecret,
  rolloutLogger,
  withContext,
} from "./logger.js";

function capture(): { lines: () => Array<Record<string, unknown>>; write: (s: string) => void } {
  const raw: string[] = [];
  return {
    write: (s: string) => {
      raw.push(s);
    },
    lines: () => raw.map((s) => JSON.parse(s) as Record<string, unknown>),
  };
}

describe("logger", () => {
  it("writes JSON lines with level words and the stable context keys", () => {
    const out = capture();
    const root = createLogger({ level: "info", destination: out, name: "sluice-controller" });
    rolloutLogger(root, "shop", "web").info({ step: 2 }, "step completed");
    withContext(root, { namespace: "shop", analysisrun: "web-1", plugin: undefined }).warn("slow");
    const [first, second] = out.lines();
    expect(first).toMatchObject({
      level: "info",
      name: "sluice-controller",
      namespace: "shop",
      rollout: "web",
      step: 2,
      msg: "step completed",
    });
    expect(typeof first?.time).toBe("string");
    expect(second).toMatchObject({ level: "warn", namespace: "shop", analysisrun: "web-1" });
    expect(second).not.toHaveProperty("plugin");
  });

  it("redacts credentials wherever they are logged", () => {
    const out = capture();
    const log = createLogger({ level: "info", destination: out });
    log.info(
      {
        headers: { authorization: "Bearer abc", "x-api-key": "k1", accept: "json" },
        request: { headers: { Authorization: "Basic xyz", "dd-api-key": "k2" } },
        provider: { apiKey: "k3", token: "t" },
        secret: { data: { password: "c2VjcmV0" } },
      },
      "calling provider",
    );
    const text = JSON.stringify(out.lines()[0]);
    for (const secret of ["Bearer abc", "k1", "Basic xyz", "k2", "k3", "c2VjcmV0"]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('"accept":"json"');
    expect(text).toContain(REDACTED);
  });

  it("redactHeaders and redactSecret keep names but hide values", () => {
    expect(
      redactHeaders({ Authorization: "Bearer x", "X-Vault-Token": "y", "Content-Type": "json" }),
    ).toEqual({ Authorization: REDACTED, "X-Vault-Token": REDACTED, "Content-Type": "json" });
    expect(redactSecret({ kind: "Secret", data: { user: "YQ==", pass: "Yg==" } })).toEqual({
      kind: "Secret",
      data: { user: REDACTED, pass: REDACTED },
    });
    expect(redactSecret("x")).toBe("x");
  });

  it("errorMessage reads anything thrown", () => {
    expect(errorMessage(new Error("boom"))).toBe("boom");
    expect(errorMessage("plain")).toBe("plain");
    expect(errorMessage({ code: 1 })).toBe('{"code":1}');
  });
});
