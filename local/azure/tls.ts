/**
 * The emulator's TLS identity, generated at every start: a throwaway CA and a server certificate
 * it signs for 127.0.0.1 / localhost / ::1. The CA is what clients are told to trust
 * (ARM_CA_CERT_FILE); its private key only lives in memory, so nothing on disk can sign more.
 * Keys come from Node's crypto (native, fast); node-forge builds and signs the X.509 certificates,
 * which Node 20's crypto cannot do.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import forge from "node-forge";

export interface EmulatorTls {
  /** PEM of the CA certificate to trust. */
  caCertPem: string;
  /** PEM of the server certificate (signed by the CA) and its private key. */
  certPem: string;
  keyPem: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function rsaKeys(): {
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
  pem: string;
} {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const key = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { privateKey: key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e), pem };
}

function serial(): string {
  // Positive 16-byte serial (top bit clear), as RFC 5280 requires.
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return bytes.toString("hex");
}

function baseCert(
  publicKey: forge.pki.PublicKey,
  cn: string,
  now: Date,
  days: number,
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serial();
  // Back-dated an hour so a slightly skewed clock does not reject a fresh certificate.
  cert.validity.notBefore = new Date(now.getTime() - 3_600_000);
  cert.validity.notAfter = new Date(now.getTime() + days * DAY_MS);
  cert.setSubject([
    { name: "organizationName", value: "OpenClawps twin" },
    { name: "commonName", value: cn },
  ]);
  return cert;
}

/** A fresh CA and a loopback server certificate signed by it (valid `days` days, default 30). */
export function generateEmulatorTls(opts: { days?: number; now?: Date } = {}): EmulatorTls {
  const now = opts.now ?? new Date();
  const days = opts.days ?? 30;
  const ca = rsaKeys();
  const caCert = baseCert(ca.publicKey, "OpenClawps Azure emulator CA", now, days);
  caCert.setIssuer(caCert.subject.attributes);
  caCert.setExtensions([
    { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  caCert.sign(ca.privateKey, forge.md.sha256.create());

  const server = rsaKeys();
  const cert = baseCert(server.publicKey, "localhost", now, days);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: [
        { type: 2, value: "localhost" },
        { type: 7, ip: "127.0.0.1" },
        { type: 7, ip: "::1" },
      ],
    },
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(ca.privateKey, forge.md.sha256.create());

  return {
    caCertPem: forge.pki.certificateToPem(caCert),
    certPem: forge.pki.certificateToPem(cert),
    keyPem: server.pem,
  };
}
