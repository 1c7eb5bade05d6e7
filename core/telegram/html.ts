/**
 * Text for Telegram's HTML parse mode. HTML was chosen over MarkdownV2 because only three characters
 * need escaping (& < >), so claw names, versions and error messages from anywhere stay readable.
 * Everything that did not come from this module's own literals goes through `esc`.
 */

/** Escapes untrusted text for parse_mode HTML. */
export function esc(text: unknown): string {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export const b = (text: unknown) => `<b>${esc(text)}</b>`;
export const code = (text: unknown) => `<code>${esc(text)}</code>`;
export const i = (text: unknown) => `<i>${esc(text)}</i>`;

/** Telegram refuses messages longer than 4096 characters (after entity parsing). */
export const MAX_MESSAGE = 4096;

/**
 * Joins lines into one message that fits Telegram's limit: lines past the limit are replaced by a
 * "… and N more" line, so a large fleet gives a cut list rather than a failed send. The limit is
 * counted on the HTML source (longer than the rendered text), so the result always fits.
 */
export function fitLines(head: string[], lines: string[], limit = MAX_MESSAGE - 96): string {
  const out = [...head];
  let size = out.join("\n").length;
  for (let n = 0; n < lines.length; n++) {
    if (size + 1 + lines[n].length > limit) {
      out.push(esc(`… and ${lines.length - n} more`));
      break;
    }
    out.push(lines[n]);
    size += 1 + lines[n].length;
  }
  return out.join("\n");
}

/** Cuts untrusted text to `max` characters (before escaping) with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
