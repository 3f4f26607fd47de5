import type { KeyObject } from "node:crypto";
import {
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
} from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  bitString,
  booleanTrue,
  explicit,
  implicit,
  objectIdentifier,
  octetString,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8String,
} from "./der.js";

const ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";

export interface TlsMaterial {
  caPem: string;
  certPem: string;
  keyPem: string;
}

interface CertificateRequest {
  subjectCommonName: string;
  issuerCommonName: string;
  publicKey: KeyObject;
  signingKey: KeyObject;
  isAuthority: boolean;
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

function name(commonName: string): Buffer {
  return sequence(set(sequence(objectIdentifier("2.5.4.3"), utf8String(commonName))));
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return critical
    ? sequence(objectIdentifier(oid), booleanTrue(), octetString(value))
    : sequence(objectIdentifier(oid), octetString(value));
}

function buildCertificate(request: CertificateRequest): Buffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const notBefore = new Date(Date.now() - 60 * 60 * 1000);
  const notAfter = new Date(Date.now() + 10 * 365 * 24 * 60 * 60 * 1000);
  const extensions = request.isAuthority
    ? [
        extension("2.5.29.19", true, sequence(booleanTrue())),
        // digitalSignature, keyCertSign, cRLSign
        extension("2.5.29.15", true, bitString(Buffer.from([0x86]), 1)),
      ]
    : [
        extension("2.5.29.19", true, sequence()),
        // digitalSignature, keyEncipherment
        extension("2.5.29.15", true, bitString(Buffer.from([0xa0]), 5)),
        extension("2.5.29.37", false, sequence(objectIdentifier("1.3.6.1.5.5.7.3.1"))),
        // Clients connect by IP (127.0.0.1) and by name (localhost): both must be listed.
        extension(
          "2.5.29.17",
          false,
          sequence(
            implicit(2, Buffer.from("localhost", "ascii")),
            implicit(7, Buffer.from([127, 0, 0, 1])),
            implicit(7, Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])),
          ),
        ),
      ];
  const spki = request.publicKey.export({ type: "spki", format: "der" });
  const algorithm = sequence(objectIdentifier(ECDSA_WITH_SHA256));
  const tbs = sequence(
    explicit(0, smallInteger(2)),
    unsignedInteger(serial),
    algorithm,
    name(request.issuerCommonName),
    sequence(time(notBefore), time(notAfter)),
    name(request.subjectCommonName),
    spki,
    explicit(3, sequence(...extensions)),
  );
  const signature = sign("sha256", tbs, request.signingKey);
  return sequence(tbs, algorithm, bitString(signature));
}

/** A fresh CA and a server certificate for loopback signed by it. */
export function generateTlsMaterial(): TlsMaterial {
  const ca = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const server = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const caDer = buildCertificate({
    subjectCommonName: "devcluster-ca",
    issuerCommonName: "devcluster-ca",
    publicKey: ca.publicKey,
    signingKey: ca.privateKey,
    isAuthority: true,
  });
  const serverDer = buildCertificate({
    subjectCommonName: "devcluster",
    issuerCommonName: "devcluster-ca",
    publicKey: server.publicKey,
    signingKey: ca.privateKey,
    isAuthority: false,
  });
  const caPem = pem("CERTIFICATE", caDer);
  const certPem = pem("CERTIFICATE", serverDer);
  // Fail at generation time rather than at the first client handshake.
  if (!new X509Certificate(certPem).verify(new X509Certificate(caPem).publicKey)) {
    throw new Error("devcluster: generated server certificate does not verify against its CA");
  }
  return {
    caPem,
    certPem,
    keyPem: server.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

/** Loads the certificates kept in the data directory, generating them at first start. */
export function loadOrCreateTlsMaterial(dataDir: string): TlsMaterial {
  const caPath = join(dataDir, "ca.crt");
  const certPath = join(dataDir, "server.crt");
  const keyPath = join(dataDir, "server.key");
  if (existsSync(caPath) && existsSync(certPath) && existsSync(keyPath)) {
    const material = {
      caPem: readFileSync(caPath, "utf8"),
      certPem: readFileSync(certPath, "utf8"),
      keyPem: readFileSync(keyPath, "utf8"),
    };
    createPrivateKey(material.keyPem);
    return material;
  }
  const material = generateTlsMaterial();
  writeFileSync(caPath, material.caPem, { mode: 0o600 });
  writeFileSync(certPath, material.certPem, { mode: 0o600 });
  writeFileSync(keyPath, material.keyPem, { mode: 0o600 });
  return material;
}
