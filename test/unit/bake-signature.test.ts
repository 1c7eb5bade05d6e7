import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signBakeWebhook, verifyBakeWebhook } from "../../core/bake-signature";

const SECRET = "test-secret-not-real";
const BODY = JSON.stringify({
  imageVersion: "1.2.3",
  galleryImageId:
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-fleet/providers/Microsoft.Compute/galleries/g/images/claw/versions/1.2.3",
  gitSha: "0123456789abcdef0123456789abcdef01234567",
  bakedAt: "2026-01-02T03:04:05.000Z",
});
const TS = 1_767_322_800; // 2026-01-02T03:00:00Z
const NOW = new Date(TS * 1000);

describe("signBakeWebhook", () => {
  it("signBakeWebhook: is HMAC-SHA256 over timestamp + '.' + body, hex with a sha256= prefix", () => {
    const expected = createHmac("sha256", SECRET).update(`${TS}.${BODY}`).digest("hex");
    expect(signBakeWebhook(SECRET, BODY, TS)).toBe(`sha256=${expected}`);
  });

  it("signBakeWebhook: gives the same signature for a string body and its UTF-8 bytes", () => {
    const body = '{"note":"überprüft ✓"}';
    expect(signBakeWebhook(SECRET, Buffer.from(body, "utf8"), TS)).toBe(signBakeWebhook(SECRET, body, TS));
  });

  it("signBakeWebhook: refuses an empty secret and a fractional timestamp", () => {
    expect(() => signBakeWebhook("", BODY, TS)).toThrow(/secret/);
    expect(() => signBakeWebhook(SECRET, BODY, "1.5")).toThrow(/timestamp/);
  });
});

describe("verifyBakeWebhook", () => {
  const signature = signBakeWebhook(SECRET, BODY, TS);
  const base = { secret: SECRET, body: BODY, timestamp: String(TS), signature, now: NOW };

  it("verifyBakeWebhook: accepts a fresh, correctly signed delivery", () => {
    expect(verifyBakeWebhook(base)).toEqual({ ok: true });
  });

  it("verifyBakeWebhook: accepts the clock as milliseconds and hex in upper case", () => {
    expect(verifyBakeWebhook({ ...base, now: TS * 1000 + 999 })).toEqual({ ok: true });
    expect(verifyBakeWebhook({ ...base, signature: `sha256=${signature.slice(7).toUpperCase()}` })).toEqual({
      ok: true,
    });
  });

  it("verifyBakeWebhook: accepts the edges of the ±5 minute window and refuses one second past them", () => {
    expect(verifyBakeWebhook({ ...base, now: new Date((TS + 300) * 1000) })).toEqual({ ok: true });
    expect(verifyBakeWebhook({ ...base, now: new Date((TS - 300) * 1000) })).toEqual({ ok: true });
    expect(verifyBakeWebhook({ ...base, now: new Date((TS + 301) * 1000) })).toEqual({
      ok: false,
      reason: "timestamp-outside-tolerance",
    });
    expect(verifyBakeWebhook({ ...base, now: new Date((TS - 301) * 1000) })).toEqual({
      ok: false,
      reason: "timestamp-outside-tolerance",
    });
  });

  it("verifyBakeWebhook: honours a custom tolerance", () => {
    const now = new Date((TS + 30) * 1000);
    expect(verifyBakeWebhook({ ...base, now, toleranceSeconds: 10 }).ok).toBe(false);
    expect(verifyBakeWebhook({ ...base, now, toleranceSeconds: 30 }).ok).toBe(true);
  });

  it("verifyBakeWebhook: refuses a body changed by one byte", () => {
    expect(verifyBakeWebhook({ ...base, body: BODY.replace("1.2.3", "1.2.4") })).toEqual({
      ok: false,
      reason: "signature-mismatch",
    });
  });

  it("verifyBakeWebhook: refuses a replayed signature with a new timestamp", () => {
    const later = TS + 60;
    expect(verifyBakeWebhook({ ...base, timestamp: String(later), now: new Date(later * 1000) })).toEqual({
      ok: false,
      reason: "signature-mismatch",
    });
  });

  it("verifyBakeWebhook: refuses a signature made with another secret", () => {
    expect(verifyBakeWebhook({ ...base, secret: "another-secret" })).toEqual({
      ok: false,
      reason: "signature-mismatch",
    });
  });

  it("verifyBakeWebhook: names what is missing or malformed", () => {
    expect(verifyBakeWebhook({ ...base, secret: "" })).toEqual({ ok: false, reason: "missing-secret" });
    expect(verifyBakeWebhook({ ...base, signature: undefined })).toEqual({
      ok: false,
      reason: "missing-signature",
    });
    expect(verifyBakeWebhook({ ...base, signature: signature.slice(7) })).toEqual({
      ok: false,
      reason: "malformed-signature",
    });
    expect(verifyBakeWebhook({ ...base, signature: `sha256=${"ab".repeat(31)}` })).toEqual({
      ok: false,
      reason: "malformed-signature",
    });
    expect(verifyBakeWebhook({ ...base, timestamp: null })).toEqual({
      ok: false,
      reason: "missing-timestamp",
    });
    expect(verifyBakeWebhook({ ...base, timestamp: "2026-01-02T03:00:00Z" })).toEqual({
      ok: false,
      reason: "malformed-timestamp",
    });
  });
});
