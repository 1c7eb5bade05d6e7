/** Small pure pieces: the fake's HTML check, button payloads, shared reads, the retry transformer's limits. */
import { describe, expect, it } from "vitest";
import { decodeButton, encodeButton } from "../../core/telegram/callbacks";
import { esc } from "../../core/telegram/html";
import { sharedReads } from "../../core/telegram/shared-reads";
import { telegramSettingsFrom } from "../../core/telegram/settings";
import { checkHtml } from "../../local/telegram-fake/html-check";

describe("fake Bot API: HTML check", () => {
  it("checkHtml: refuses what Telegram refuses and renders what it accepts", () => {
    expect(checkHtml("<b>a</b> &lt;x&gt; &amp; &#33;")).toEqual({ ok: true, plain: "a <x> & !" });
    expect(checkHtml("a < b").ok).toBe(false);
    expect(checkHtml("fish & chips").ok).toBe(false);
    expect(checkHtml("<script>x</script>").ok).toBe(false);
    expect(checkHtml("<b><i>x</b></i>").ok).toBe(false);
    expect(checkHtml("<b>x").ok).toBe(false);
    expect(checkHtml(esc("<script> & 'q' > \"z\"")).ok).toBe(true);
  });
});

describe("buttons: callback data", () => {
  it("encodeButton: the longest claw name still fits in 64 bytes and decodes back", () => {
    const claw = `a${"b".repeat(47)}`;
    const parkAt = new Date("2026-12-01T22:00:00Z");
    for (const kind of ["delay", "skip"] as const) {
      const data = encodeButton({ kind, claw, parkAt });
      expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
      expect(decodeButton(data)).toEqual({ kind, claw, parkAt });
    }
    expect(decodeButton(encodeButton({ kind: "approve", rolloutId: "0000000123-abcdef" }))).toEqual({
      kind: "approve",
      rolloutId: "0000000123-abcdef",
    });
  });

  it("decodeButton: refuses anything it did not make", () => {
    for (const d of [
      undefined,
      "",
      "c|",
      "c|a b",
      "x|1|2",
      "ps|Alice|zz",
      "ps|alice|ZZ",
      "q|1",
      "c|" + "a".repeat(70),
    ]) {
      expect(decodeButton(d)).toBeUndefined();
    }
  });
});

describe("shared reads", () => {
  it("sharedReads: concurrent reads share one call; a failure is not reused; the value expires", async () => {
    let t = 0;
    let calls = 0;
    const reads = sharedReads({ ttlMs: 1000, now: () => t });
    const read = async () => ++calls;
    expect(await Promise.all([reads.get("k", read), reads.get("k", read)])).toEqual([1, 1]);
    t = 999;
    expect(await reads.get("k", read)).toBe(1);
    t = 2100;
    expect(await reads.get("k", read)).toBe(2);
    await expect(reads.get("f", async () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    await Promise.resolve();
    expect(await reads.get("f", read)).toBe(3);
  });
});

describe("telegram settings", () => {
  it("TELEGRAM_WEBHOOK_REPLY: on unless set to off; anything else is refused by name", () => {
    expect(telegramSettingsFrom({}).webhookReply).toBe(true);
    expect(telegramSettingsFrom({ TELEGRAM_WEBHOOK_REPLY: "on" }).webhookReply).toBe(true);
    expect(telegramSettingsFrom({ TELEGRAM_WEBHOOK_REPLY: " OFF " }).webhookReply).toBe(false);
    expect(() => telegramSettingsFrom({ TELEGRAM_WEBHOOK_REPLY: "no" })).toThrow(/TELEGRAM_WEBHOOK_REPLY/);
  });
});
