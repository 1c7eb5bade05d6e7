/**
 * GET /api/console/: the operator's console, the static files `npm run build` puts in dist/ui,
 * served by the function app itself. The files hold no data and no key (every read and action is
 * a call to the authenticated /api/v1 routes with the key the operator types in), so they are
 * served without one: a browser cannot send a header when it opens a page. A strict
 * Content-Security-Policy allows only the app's own script, style and API; hashed assets are
 * cacheable for a year, index.html is revalidated on every load. gzip and brotli are chosen by
 * Accept-Encoding and computed once per file. With CONSOLE_SIGN_IN=entra (the Bicep sets it with
 * App Service authentication), the files too are served only to someone signed in with Entra ID:
 * App Service vouches for the user in X-MS-CLIENT-PRINCIPAL-ID (and strips that header from what
 * clients send); anyone else is sent to its login page.
 */
import fs from "node:fs";
import path from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { app, type HttpRequest, type HttpResponseInit } from "@azure/functions";
import { etagOf } from "./conditional";

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "content-security-policy": CONSOLE_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
};

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

interface Asset {
  type: string;
  raw: Buffer;
  gzip: Buffer;
  br: Buffer;
  etag: string;
  immutable: boolean;
}

/** Where the built console is: dist/ui beside dist/functions. */
export function consoleDir(): string {
  return path.resolve(__dirname, "..", "..", "ui");
}

/** Loads every file of the built console once (the set of servable names is fixed at load). */
export function loadConsoleAssets(dir = consoleDir()): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!fs.existsSync(dir)) return assets;
  for (const name of fs.readdirSync(dir)) {
    const type = TYPES[path.extname(name)];
    if (!type) continue;
    const raw = fs.readFileSync(path.join(dir, name));
    assets.set(name, {
      type,
      raw,
      gzip: gzipSync(raw, { level: 9 }),
      br: brotliCompressSync(raw),
      etag: etagOf(raw.toString("latin1")),
      immutable: /-[A-Z0-9]{8}\.(js|css)$/.test(name),
    });
  }
  return assets;
}

export function createConsoleHandler(
  load: () => Map<string, Asset> = () => loadConsoleAssets(),
  signIn: string | undefined = process.env.CONSOLE_SIGN_IN,
) {
  let assets: Map<string, Asset> | undefined;
  return async function consoleAssets(req: HttpRequest): Promise<HttpResponseInit> {
    if (signIn === "entra" && !req.headers.get("x-ms-client-principal-id")) {
      const back = new URL(req.url).pathname;
      return {
        status: 302,
        headers: {
          ...SECURITY_HEADERS,
          location: `/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(back)}`,
          "cache-control": "no-store",
        },
      };
    }
    assets ??= load();
    const wanted = (req.params.path ?? "").replace(/^\/+/, "") || "index.html";
    const asset = assets.get(wanted);
    if (!asset) {
      const missing = assets.size === 0;
      return {
        status: 404,
        headers: { "content-type": "text/plain; charset=utf-8", ...SECURITY_HEADERS },
        body: missing
          ? "The console is not built: run npm run build."
          : `No console file ${wanted.slice(0, 80)}; open /api/console/`,
      };
    }
    const headers: Record<string, string> = {
      ...SECURITY_HEADERS,
      "content-type": asset.type,
      etag: asset.etag,
      vary: "accept-encoding",
      "cache-control": asset.immutable
        ? `${signIn === "entra" ? "private" : "public"}, max-age=31536000, immutable`
        : "no-cache",
    };
    const inm = req.headers.get("if-none-match");
    if (inm && inm.split(",").some((t) => t.trim() === asset.etag)) return { status: 304, headers };
    const accepts = req.headers.get("accept-encoding") ?? "";
    let body = asset.raw;
    if (/\bbr\b/.test(accepts)) {
      body = asset.br;
      headers["content-encoding"] = "br";
    } else if (/\bgzip\b/.test(accepts)) {
      body = asset.gzip;
      headers["content-encoding"] = "gzip";
    }
    return { status: 200, headers, body };
  };
}

app.http("console", {
  route: "console/{*path}",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: createConsoleHandler(),
});
