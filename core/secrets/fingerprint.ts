import { createHmac, randomBytes, randomInt } from "node:crypto";

/**
 * A keyed hash of one secret value: HMAC-SHA256 under a key only the secret store holds, so two
 * claws' tokens can be compared without keeping either one anywhere else, and a fingerprint seen
 * outside the store says nothing about the token.
 */
export function secretFingerprint(hmacKey: string, key: string, value: string): string {
  return createHmac("sha256", hmacKey).update(`${key}\0${value}`).digest("hex");
}

/** A fresh fingerprint key (256 random bits, hex). */
export function newFingerprintKey(): string {
  return randomBytes(32).toString("hex");
}

/** Letters and digits without look-alikes (0/O, 1/l/I), so a password read aloud or copied survives. */
const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
const CLASSES = [/[A-Z]/, /[a-z]/, /[2-9]/];

/**
 * A claw's access password: 24 characters (≈140 bits) with an upper-case letter, a lower-case
 * letter and a digit, which every target (Linux, xrdp, Sunshine) accepts as is.
 */
export function generateAccessPassword(length = 24): string {
  for (;;) {
    let pw = "";
    for (let i = 0; i < length; i++) pw += ALPHABET[randomInt(ALPHABET.length)];
    if (CLASSES.every((c) => c.test(pw))) return pw;
  }
}
