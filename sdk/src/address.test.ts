import { describe, expect, it } from "vitest";
import { formatAddress, listenAddressFrom, parseAddress } from "./address.js";

describe("parseAddress", () => {
  it.each([
    ["unix:///run/sluice/nginx.sock", { kind: "unix", path: "/run/sluice/nginx.sock" }],
    ["unix:/tmp/p.sock", { kind: "unix", path: "/tmp/p.sock" }],
    ["127.0.0.1:7001", { kind: "tcp", host: "127.0.0.1", port: 7001 }],
    ["[::1]:0", { kind: "tcp", host: "[::1]", port: 0 }],
    ["plugins.example.com:443", { kind: "tcp", host: "plugins.example.com", port: 443 }],
  ])("accepts %s", (text, expected) => {
    expect(parseAddress(text)).toEqual(expected);
    expect(parseAddress(formatAddress(parseAddress(text)))).toEqual(expected);
  });

  it.each([
    ["unix://relative.sock", /must be absolute/],
    ["localhost", /expected unix:\/\/\/absolute\/path.sock or HOST:PORT/],
    ["127.0.0.1:70000", /above 65535/],
    ["http://127.0.0.1:80", /expected unix/],
  ])("rejects %s with a message saying what to write", (text, message) => {
    expect(() => parseAddress(text)).toThrow(message);
  });
});

describe("listenAddressFrom", () => {
  const env = { SLUICE_PLUGIN_LISTEN: "unix:///from/env.sock" };
  it("prefers --listen, in both spellings, over the environment", () => {
    expect(listenAddressFrom(["--listen", "127.0.0.1:1"], env, "fallback")).toBe("127.0.0.1:1");
    expect(listenAddressFrom(["-v", "--listen=127.0.0.1:2"], env, "fallback")).toBe("127.0.0.1:2");
  });
  it("uses SLUICE_PLUGIN_LISTEN, then the fallback", () => {
    expect(listenAddressFrom([], env, "fallback")).toBe("unix:///from/env.sock");
    expect(listenAddressFrom([], {}, "fallback")).toBe("fallback");
  });
  it("rejects --listen without a value", () => {
    expect(() => listenAddressFrom(["--listen"], {}, "fallback")).toThrow(
      /--listen needs an address/,
    );
  });
});
