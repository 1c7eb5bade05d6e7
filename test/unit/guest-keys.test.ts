import { describe, expect, it } from "vitest";
import { utils } from "ssh2";
import { generateSshKeyPair } from "../../core/guest/keys";

describe("ssh keys", () => {
  it("generateSshKeyPair: every key it returns parses back (ssh2 alone fails about 1 in 400)", () => {
    const unreadable: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const pair = generateSshKeyPair("test");
      const parsed = utils.parseKey(pair.private);
      if (parsed instanceof Error) unreadable.push(parsed.message);
      else expect(pair.public.startsWith("ssh-ed25519 ")).toBe(true);
    }
    expect(unreadable).toEqual([]);
  });
});
