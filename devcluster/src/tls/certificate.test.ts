import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateTlsMaterial } from "./certificate.js";

describe("generated TLS material", () => {
  it("is a CA and a loopback server certificate signed by it", () => {
    const material = generateTlsMaterial();
    const ca = new X509Certificate(material.caPem);
    const server = new X509Certificate(material.certPem);
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(server.checkHost("localhost")).toBe("localhost");
    expect(new Date(server.validTo).getTime()).toBeGreaterThan(Date.now() + 365 * 24 * 3600 * 1000);
  });
});
