/**
 * Checks text in parse_mode HTML the way the Bot API does (supported tags, balanced nesting,
 * entities &lt; &gt; &amp; &quot; and numeric ones only) and returns the text a user would see,
 * so a missed escape in the bot fails on the twin exactly as it would in production.
 */
import { HTML_TAGS } from "./constants";

const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

export type HtmlCheck = { ok: true; plain: string } | { ok: false; detail: string };

export function checkHtml(text: string): HtmlCheck {
  const stack: string[] = [];
  let plain = "";
  let i = 0;
  const offset = () => Buffer.byteLength(text.slice(0, i));
  while (i < text.length) {
    const c = text[i];
    if (c === "&") {
      const m = /^&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/.exec(text.slice(i));
      // The documentation's rule: every "&" outside an entity must be written &amp;.
      if (!m) return { ok: false, detail: `Unescaped "&" at byte offset ${offset()}` };
      const name = m[1];
      if (name.startsWith("#")) {
        const n = name[1] === "x" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        plain += String.fromCodePoint(n);
      } else if (NAMED[name] !== undefined) plain += NAMED[name];
      else return { ok: false, detail: `Unsupported HTML entity "&${name};" at byte offset ${offset()}` };
      i += m[0].length;
      continue;
    }
    if (c === "<") {
      const end = text.indexOf(">", i);
      if (end < 0) return { ok: false, detail: `Unclosed start tag at byte offset ${offset()}` };
      const raw = text.slice(i + 1, end).trim();
      const closing = raw.startsWith("/");
      const name = (closing ? raw.slice(1) : raw).split(/\s/)[0].toLowerCase();
      if (!HTML_TAGS.has(name)) {
        return {
          ok: false,
          detail: `Unsupported ${closing ? "end" : "start"} tag "${name}" at byte offset ${offset()}`,
        };
      }
      if (closing) {
        if (stack.pop() !== name) {
          return { ok: false, detail: `Unmatched end tag "${name}" at byte offset ${offset()}` };
        }
      } else stack.push(name);
      i = end + 1;
      continue;
    }
    if (c === ">") return { ok: false, detail: `Unexpected '>' at byte offset ${offset()}` };
    plain += c;
    i++;
  }
  if (stack.length)
    return {
      ok: false,
      detail: `Can't find end tag corresponding to start tag "${stack[stack.length - 1]}"`,
    };
  return { ok: true, plain };
}
