/** Small formatters shared by the pages. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.floor(h / 24)} d`;
}

export const ago = (iso: string | undefined, now = Date.now()): string =>
  iso ? `${duration(now - Date.parse(iso))} ago` : "never";

export const until = (iso: string, now = Date.now()): string => {
  const ms = Date.parse(iso) - now;
  return ms <= 0 ? "now" : `in ${duration(ms)}`;
};

export const time = (iso: string | undefined): string =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" }) : "–";

export const href = (...parts: string[]) => `#/${parts.map(encodeURIComponent).join("/")}`;
