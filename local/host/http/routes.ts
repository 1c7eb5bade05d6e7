/**
 * HTTP trigger routes as the Functions host matches them (ASP.NET route templates):
 * `v1/claws/{name}`, optional `{name?}`, catch-all `{*rest}`, constraints such as `{id:int}`;
 * literal segments match case-insensitively and a more literal route wins over a more general one.
 */
export interface RouteParam {
  name: string;
  constraints: string[];
  optional: boolean;
  catchAll: boolean;
}

export interface CompiledRoute<T> {
  template: string;
  /** Upper-case methods; empty means any method. */
  methods: string[];
  target: T;
  regex: RegExp;
  params: RouteParam[];
  /** Lower sorts first: one digit per segment (1 literal … 5 catch-all). */
  precedence: string;
}

export type RouteMatch<T> =
  | { kind: "ok"; route: CompiledRoute<T>; params: Record<string, string> }
  | { kind: "method-not-allowed"; allow: string[] }
  | { kind: "not-found" };

const PARAM = /\{([^{}]+)\}/g;

/** Compiles one route template (without the route prefix). */
export function compileRoute<T>(
  template: string,
  methods: string[] | undefined,
  target: T,
): CompiledRoute<T> {
  const params: RouteParam[] = [];
  let pattern = "";
  let precedence = "";
  const segments = template
    .replace(/^\/+|\/+$/g, "")
    .split("/")
    .filter((s) => s.length > 0);
  for (const segment of segments) {
    const whole = /^\{([^{}]+)\}$/.exec(segment);
    if (whole) {
      const param = parseParam(whole[1]);
      params.push(param);
      if (param.catchAll) {
        pattern += "(?:/(.*))?";
        precedence += "5";
      } else if (param.optional) {
        pattern += "(?:/([^/]+))?";
        precedence += "4";
      } else {
        pattern += "/([^/]+)";
        precedence += param.constraints.length > 0 ? "2" : "3";
      }
      continue;
    }
    // A literal segment, possibly with embedded parameters ("{a}-{b}").
    let seg = "";
    let last = 0;
    for (const m of segment.matchAll(PARAM)) {
      seg += escapeRegex(segment.slice(last, m.index)) + "([^/]+?)";
      params.push({ ...parseParam(m[1]), optional: false, catchAll: false });
      last = (m.index ?? 0) + m[0].length;
    }
    seg += escapeRegex(segment.slice(last));
    pattern += "/" + seg;
    precedence += last === 0 ? "1" : "2";
  }
  return {
    template,
    methods: (methods ?? []).map((m) => m.toUpperCase()),
    target,
    regex: new RegExp(`^${pattern}/?$`, "i"),
    params,
    precedence,
  };
}

function parseParam(body: string): RouteParam {
  let text = body.trim();
  const catchAll = text.startsWith("*");
  if (catchAll) text = text.replace(/^\*+/, "");
  const optional = text.endsWith("?");
  if (optional) text = text.slice(0, -1);
  const eq = text.indexOf("=");
  if (eq >= 0) text = text.slice(0, eq); // a default value: treated as optional without default
  const [name, ...constraints] = splitConstraints(text);
  return { name, constraints, optional: optional || eq >= 0, catchAll };
}

/** Splits `id:int:min(1)` at colons outside parentheses. */
function splitConstraints(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === ":" && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const GUID = /^[{(]?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}[})]?$/i;

/** ASP.NET's inline constraints; an unknown one does not restrict (it is reported at load time). */
export function satisfies(value: string, constraint: string): boolean {
  const m = /^(\w+)(?:\((.*)\))?$/.exec(constraint);
  if (!m) return true;
  const [, kind, arg = ""] = m;
  const n = Number(value);
  const args = arg.split(",").map((a) => Number(a.trim()));
  switch (kind.toLowerCase()) {
    case "int":
    case "long":
      return /^-?\d+$/.test(value);
    case "bool":
      return /^(true|false)$/i.test(value);
    case "alpha":
      return /^[a-z]+$/i.test(value);
    case "guid":
      return GUID.test(value);
    case "double":
    case "float":
    case "decimal":
      return value.trim() !== "" && Number.isFinite(n);
    case "datetime":
      return !Number.isNaN(Date.parse(value));
    case "minlength":
      return value.length >= args[0];
    case "maxlength":
      return value.length <= args[0];
    case "length":
      return args.length > 1 ? value.length >= args[0] && value.length <= args[1] : value.length === args[0];
    case "min":
      return Number.isFinite(n) && n >= args[0];
    case "max":
      return Number.isFinite(n) && n <= args[0];
    case "range":
      return Number.isFinite(n) && n >= args[0] && n <= args[1];
    case "regex":
      return new RegExp(arg, "i").test(value);
    default:
      return true;
  }
}

/** Constraint names the matcher knows (others are accepted but do not restrict). */
export const KNOWN_CONSTRAINTS = new Set([
  "int",
  "long",
  "bool",
  "alpha",
  "guid",
  "double",
  "float",
  "decimal",
  "datetime",
  "minlength",
  "maxlength",
  "length",
  "min",
  "max",
  "range",
  "regex",
]);

/** Sorts routes so the most specific template is tried first (stable for equal precedence). */
export function sortRoutes<T>(routes: CompiledRoute<T>[]): CompiledRoute<T>[] {
  return [...routes].sort((a, b) => (a.precedence < b.precedence ? -1 : a.precedence > b.precedence ? 1 : 0));
}

/** Matches a path (after the route prefix, starting with "/") and a method against sorted routes. */
export function matchRoute<T>(routes: CompiledRoute<T>[], pathname: string, method: string): RouteMatch<T> {
  const allow = new Set<string>();
  const upper = method.toUpperCase();
  for (const route of routes) {
    const params = matchParams(route, pathname);
    if (!params) continue;
    if (route.methods.length === 0 || route.methods.includes(upper)) return { kind: "ok", route, params };
    route.methods.forEach((m) => allow.add(m));
  }
  return allow.size > 0 ? { kind: "method-not-allowed", allow: [...allow] } : { kind: "not-found" };
}

function matchParams<T>(route: CompiledRoute<T>, pathname: string): Record<string, string> | undefined {
  const m = route.regex.exec(pathname === "" ? "/" : pathname);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < route.params.length; i++) {
    const p = route.params[i];
    const raw = m[i + 1];
    if (raw === undefined || raw === "") continue;
    let value: string;
    try {
      value = p.catchAll ? raw.split("/").map(decodeURIComponent).join("/") : decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (!p.constraints.every((c) => satisfies(value, c))) return undefined;
    params[p.name] = value;
  }
  return params;
}
