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

/**
 * A JSON value cut down to at most `maxChars` when serialized: the longest arrays inside it (a
 * fleet digest's `done` list, say) are halved until it fits, and `omitted` says how many entries
 * each lost ("digest.done": 640). A record of a 1,000-claw run stays storable and keeps its counts,
 * failures and skips before its list of successes.
 */
export function fitJson<T>(value: T, maxChars: number): T {
  if (value === undefined || JSON.stringify(value).length <= maxChars) return value;
  const copy = JSON.parse(JSON.stringify(value)) as unknown;
  const omitted: Record<string, number> = {};
  const arrays = (v: unknown, at: string, out: { path: string; arr: unknown[] }[]) => {
    if (Array.isArray(v)) out.push({ path: at, arr: v });
    if (v && typeof v === "object") {
      for (const [k, child] of Object.entries(v)) arrays(child, at ? `${at}.${k}` : k, out);
    }
    return out;
  };
  const size = () => JSON.stringify({ ...(copy as object), omitted }).length;
  while (size() > maxChars) {
    const found = arrays(copy, "", []).filter((a) => a.arr.length > 0);
    if (!found.length) break;
    const longest = found.reduce((a, b) =>
      JSON.stringify(b.arr).length > JSON.stringify(a.arr).length ? b : a,
    );
    const cut = Math.ceil(longest.arr.length / 2);
    longest.arr.splice(longest.arr.length - cut, cut);
    omitted[longest.path] = (omitted[longest.path] ?? 0) + cut;
  }
  if (copy && typeof copy === "object" && !Array.isArray(copy)) return { ...(copy as object), omitted } as T;
  return copy as T;
}
