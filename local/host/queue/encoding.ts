/**
 * Queue message encoding as the Functions storage extension (v5+) applies it: `messageEncoding`
 * "base64" (the default) means producers put base64 text on the queue and the trigger decodes it;
 * "none" passes text through.
 */
export type MessageEncoding = "base64" | "none";

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Encodes a message for the queue (UTF-8 text or raw bytes). */
export function encodeQueueMessage(message: string | Buffer, encoding: MessageEncoding): string {
  const bytes = typeof message === "string" ? Buffer.from(message, "utf8") : message;
  return encoding === "base64" ? bytes.toString("base64") : bytes.toString("utf8");
}

/** Decodes queue text; undefined when base64 is expected but the text is not valid base64. */
export function decodeQueueMessage(text: string, encoding: MessageEncoding): string | undefined {
  if (encoding === "none") return text;
  const trimmed = text.trim();
  if (trimmed.length % 4 !== 0 || !BASE64.test(trimmed)) return undefined;
  return Buffer.from(trimmed, "base64").toString("utf8");
}
