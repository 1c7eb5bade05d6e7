import { ClawError } from "../errors";

/**
 * Table Storage limits a string property to 64 KiB (32K UTF-16 characters) and an entity to
 * 1 MiB / 252 properties. JSON values are stored in one column and, when longer, continued in
 * `<name>_1`, `<name>_2`, ... so a large spec or step list still fits one row.
 */
const CHUNK = 30_000;

export function writeJson(
  entity: Record<string, unknown>,
  column: string,
  value: unknown,
  maxChunks = 8,
): void {
  if (value === undefined) return;
  const text = JSON.stringify(value);
  const chunks = Math.max(1, Math.ceil(text.length / CHUNK));
  if (chunks > maxChunks) {
    throw new ClawError("PAYLOAD_TOO_LARGE", `${column} is too large to store (${text.length} characters)`);
  }
  for (let i = 0; i < chunks; i++) {
    entity[i === 0 ? column : `${column}_${i}`] = text.slice(i * CHUNK, (i + 1) * CHUNK);
  }
}

export function readJson<T>(entity: Record<string, unknown>, column: string): T | undefined {
  const first = entity[column];
  if (typeof first !== "string") return undefined;
  let text = first;
  for (let i = 1; typeof entity[`${column}_${i}`] === "string"; i++)
    text += entity[`${column}_${i}`] as string;
  return JSON.parse(text) as T;
}

/** Copies defined values; Replace-mode writes then drop the properties left out. */
export function defined(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== null));
}

export function str(entity: Record<string, unknown>, column: string): string | undefined {
  const v = entity[column];
  return typeof v === "string" ? v : undefined;
}

/** Shortens free text kept in rows (step details, error messages). */
export function clip(text: string | undefined, max: number): string | undefined {
  if (text === undefined || text.length <= max) return text;
  return `${text.slice(0, max - 1)}…`;
}

/** Keys in newest-first order: Table Storage sorts row keys ascending. */
export function invertedTime(at: Date): string {
  return String(9_999_999_999_999 - at.getTime()).padStart(13, "0");
}
