/**
 * A small reader for the Bicep this repository writes, for consistency tests that run without the
 * Bicep compiler (it cannot be installed offline; CI runs `az bicep build` + lint as well). It
 * understands comments, strings with `${}` interpolation, and nested `{}`/`[]`/`()`; enough to list
 * top-level declarations and read object literals. It is not a general Bicep parser.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "../..");
export const BICEP_DIR = path.join(REPO_ROOT, "bicep");

export interface Declaration {
  kind: "param" | "var" | "resource" | "module" | "output";
  name: string;
  /** resource: 'Microsoft.X/y@api'; module: relative path; param/output: the type. */
  type: string;
  /** resource/module: true when declared with `existing`. */
  existing: boolean;
  /** Text after `=` (object literal body for resources and modules); empty for a param without default. */
  value: string;
  /** Decorators (`@description(...)` etc.) written just above. */
  decorators: string[];
}

/** Index just past the string literal starting at `i` (which is a `'`). */
function skipString(text: string, i: number): number {
  if (text.startsWith("'''", i)) {
    const end = text.indexOf("'''", i + 3);
    return end < 0 ? text.length : end + 3;
  }
  let j = i + 1;
  while (j < text.length) {
    const c = text[j];
    if (c === "\\") j += 2;
    else if (c === "'") return j + 1;
    else if (c === "$" && text[j + 1] === "{") j = skipBalanced(text, j + 1);
    else j++;
  }
  return j;
}

/** Index just past the bracket group opening at `i` (`{`, `[` or `(`), skipping strings and comments. */
export function skipBalanced(text: string, i: number): number {
  const close: Record<string, string> = { "{": "}", "[": "]", "(": ")" };
  const stack: string[] = [];
  let j = i;
  while (j < text.length) {
    const c = text[j];
    if (c === "'") {
      j = skipString(text, j);
      continue;
    }
    if (c === "/" && text[j + 1] === "/") {
      const nl = text.indexOf("\n", j);
      j = nl < 0 ? text.length : nl;
      continue;
    }
    if (c === "/" && text[j + 1] === "*") {
      const end = text.indexOf("*/", j + 2);
      j = end < 0 ? text.length : end + 2;
      continue;
    }
    if (c in close) stack.push(close[c]);
    else if (c === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return j + 1;
    }
    j++;
  }
  throw new Error(`unbalanced bracket from offset ${i}`);
}

/** Removes comments (keeping strings intact) so line-based scanning cannot be fooled by them. */
export function stripComments(text: string): string {
  let out = "";
  let j = 0;
  while (j < text.length) {
    const c = text[j];
    if (c === "'") {
      const end = skipString(text, j);
      out += text.slice(j, end);
      j = end;
    } else if (c === "/" && text[j + 1] === "/") {
      const nl = text.indexOf("\n", j);
      j = nl < 0 ? text.length : nl;
    } else if (c === "/" && text[j + 1] === "*") {
      const end = text.indexOf("*/", j + 2);
      j = end < 0 ? text.length : end + 2;
    } else {
      out += c;
      j++;
    }
  }
  return out;
}

/** Reads a Bicep file (path relative to bicep/) with comments removed. */
export function readBicep(relative: string): string {
  return stripComments(readFileSync(path.join(BICEP_DIR, relative), "utf8"));
}

const DECL = /^(param|var|resource|module|output)\s+(\w+)\s*(?:'([^']*)'|([\w.]+(?:\[\])?))?\s*(existing)?/;

/** Lists the top-level declarations of a Bicep file (comments already stripped). */
export function declarations(text: string): Declaration[] {
  const result: Declaration[] = [];
  let decorators: string[] = [];
  let i = 0;
  while (i < text.length) {
    const lineEnd = text.indexOf("\n", i) < 0 ? text.length : text.indexOf("\n", i);
    const line = text.slice(i, lineEnd);
    const trimmed = line.trim();
    if (trimmed.startsWith("@")) {
      const open = text.indexOf("(", i);
      const end = open >= 0 && open < lineEnd ? skipBalanced(text, open) : lineEnd;
      decorators.push(text.slice(i, end).trim());
      i = end;
      continue;
    }
    const m = DECL.exec(line);
    if (!m) {
      if (trimmed !== "") decorators = [];
      i = lineEnd + 1;
      continue;
    }
    const eq = line.indexOf("=", m[0].length);
    let value = "";
    let next = lineEnd + 1;
    if (eq >= 0) {
      let start = i + eq + 1;
      // `= if (cond) {` and `= [for ...]`: keep the whole expression.
      while (text[start] === " ") start++;
      let j = start;
      // Walk to the end of the expression: brackets are skipped whole; a newline at depth 0 ends it.
      while (j < text.length && text[j] !== "\n") {
        if ("{[(".includes(text[j])) j = skipBalanced(text, j);
        else if (text[j] === "'") j = skipString(text, j);
        else j++;
      }
      value = text.slice(start, j).trim();
      next = j + 1;
    }
    result.push({
      kind: m[1] as Declaration["kind"],
      name: m[2],
      type: m[3] ?? m[4] ?? "",
      existing: m[5] === "existing",
      value,
      decorators,
    });
    decorators = [];
    i = next;
  }
  return result;
}

/**
 * Reads the entries of an object literal (`{ key: value ... }`), one per line at depth 0.
 * Keys may be quoted; values are returned as source text.
 */
export function objectEntries(literal: string): Map<string, string> {
  const body = literal.trim();
  const open = body.indexOf("{");
  if (open < 0) throw new Error(`not an object literal: ${body.slice(0, 60)}`);
  const end = skipBalanced(body, open);
  const inner = body.slice(open + 1, end - 1);
  const entries = new Map<string, string>();
  let i = 0;
  while (i < inner.length) {
    while (i < inner.length && /[\s,]/.test(inner[i])) i++;
    if (i >= inner.length) break;
    const m = /^(?:'([^']+)'|(\w+))\s*:\s*/.exec(inner.slice(i));
    if (!m) throw new Error(`cannot read object entry at: ${inner.slice(i, i + 60)}`);
    i += m[0].length;
    const start = i;
    while (i < inner.length && inner[i] !== "\n" && inner[i] !== ",") {
      if ("{[(".includes(inner[i])) i = skipBalanced(inner, i);
      else if (inner[i] === "'") i = skipString(inner, i);
      else i++;
    }
    entries.set(m[1] ?? m[2], inner.slice(start, i).trim());
  }
  return entries;
}

/** Follows a dotted path through nested object literals (`properties.roleDefinitionId`). */
export function getPath(literal: string, dotted: string): string | undefined {
  let current: string | undefined = literal;
  for (const key of dotted.split(".")) {
    if (current === undefined || !current.trim().startsWith("{")) return undefined;
    current = objectEntries(current).get(key);
  }
  return current;
}

/** The object literal of a resource/module declaration, without a leading `if (...)` condition. */
export function bodyOf(decl: Declaration): string {
  const open = decl.value.indexOf("{");
  if (open < 0) throw new Error(`${decl.name} has no body`);
  return decl.value.slice(open);
}

/** The `if (...)` condition of a conditional resource/module, if any. */
export function conditionOf(decl: Declaration): string | undefined {
  const m = /^if\s*\(/.exec(decl.value);
  if (!m) return undefined;
  const open = decl.value.indexOf("(");
  return decl.value.slice(open + 1, skipBalanced(decl.value, open) - 1).trim();
}

/** The content of a Bicep string literal (`'abc'` -> abc); undefined for any other expression. */
export function stringLiteral(expr: string | undefined): string | undefined {
  const m = /^'((?:[^'\\]|\\.)*)'$/.exec((expr ?? "").trim());
  return m ? m[1].replace(/\\'/g, "'") : undefined;
}
