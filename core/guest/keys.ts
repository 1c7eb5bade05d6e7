import { utils } from "ssh2";

/**
 * An ed25519 key pair in OpenSSH format that ssh2 can read back. ssh2's generateKeyPairSync
 * occasionally (about 1 in 400 here) writes a private key its own parser rejects as "Malformed
 * OpenSSH private key", which would leave a claw, a twin VM or a test unable to use SSH at all.
 */
export function generateSshKeyPair(comment?: string): { private: string; public: string } {
  for (let attempt = 1; ; attempt++) {
    const pair = utils.generateKeyPairSync("ed25519", comment ? { comment } : {});
    if (!(utils.parseKey(pair.private) instanceof Error)) return pair;
    if (attempt >= 20) throw new Error("could not generate a readable ed25519 key pair");
  }
}
