/**
 * Inline-button payloads. Telegram limits callback_data to 64 bytes and hands it back verbatim from
 * anyone who can see the message, so payloads are short, parsed strictly, and never trusted beyond
 * naming what the button was for (the handler checks the user and the current state again).
 */
import { clawNameProblem } from "../domain/names";

export type ButtonAction =
  | { kind: "confirm"; id: string }
  | { kind: "cancel"; id: string }
  | { kind: "approve"; rolloutId: string }
  | { kind: "reject"; rolloutId: string }
  /** Park warning: keep the claw awake one hour past `parkAt`. */
  | { kind: "delay"; claw: string; parkAt: Date }
  /** Park warning: skip this park (awake until the next scheduled wake). */
  | { kind: "skip"; claw: string; parkAt: Date };

export const MAX_CALLBACK_DATA = 64;

const PREFIX = { confirm: "c", cancel: "x", approve: "ra", reject: "rr", delay: "pd", skip: "ps" } as const;
const ID = /^[A-Za-z0-9._:-]{1,60}$/;

/** Encodes a button; throws when the payload would not fit (a programming error, not input). */
export function encodeButton(a: ButtonAction): string {
  let data: string;
  switch (a.kind) {
    case "confirm":
    case "cancel":
      data = `${PREFIX[a.kind]}|${a.id}`;
      break;
    case "approve":
    case "reject":
      data = `${PREFIX[a.kind]}|${a.rolloutId}`;
      break;
    case "delay":
    case "skip":
      data = `${PREFIX[a.kind]}|${a.claw}|${Math.floor(a.parkAt.getTime() / 1000).toString(36)}`;
      break;
  }
  if (Buffer.byteLength(data) > MAX_CALLBACK_DATA) throw new Error(`callback data too long for ${a.kind}`);
  return data;
}

/** Decodes button data; undefined for anything this bot did not make. */
export function decodeButton(data: string | undefined): ButtonAction | undefined {
  if (!data || data.length > MAX_CALLBACK_DATA) return undefined;
  const [p, x, y, ...rest] = data.split("|");
  if (rest.length || !x || !ID.test(x)) return undefined;
  if (y === undefined) {
    if (p === PREFIX.confirm) return { kind: "confirm", id: x };
    if (p === PREFIX.cancel) return { kind: "cancel", id: x };
    if (p === PREFIX.approve) return { kind: "approve", rolloutId: x };
    if (p === PREFIX.reject) return { kind: "reject", rolloutId: x };
    return undefined;
  }
  if ((p !== PREFIX.delay && p !== PREFIX.skip) || clawNameProblem(x) || !/^[0-9a-z]{1,10}$/.test(y)) {
    return undefined;
  }
  const parkAt = new Date(parseInt(y, 36) * 1000);
  return { kind: p === PREFIX.delay ? "delay" : "skip", claw: x, parkAt };
}
