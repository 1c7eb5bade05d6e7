/**
 * Where the CLI finds the control plane: --url over OPENCLAWPS_URL over the config file; the key
 * from OPENCLAWPS_KEY or the config file (never an argument: arguments show in `ps`). The config
 * file is written with mode 0600 and refused when others may read it, as ssh does with keys.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface CliConfig {
  url: string;
  key: string;
}

export class UsageError extends Error {}

type Env = Record<string, string | undefined>;

export function configPath(env: Env = process.env, explicit?: string): string {
  if (explicit) return explicit;
  if (env.OPENCLAWPS_CONFIG) return env.OPENCLAWPS_CONFIG;
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), ".config");
  return path.join(base, "openclawps", "config.json");
}

function readFile(file: string): Partial<CliConfig> | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return undefined;
  }
  if (process.platform !== "win32" && (stat.mode & 0o077) !== 0) {
    throw new UsageError(
      `${file} may be read by other users (mode ${(stat.mode & 0o777).toString(8)}); run: chmod 600 ${file}`,
    );
  }
  try {
    const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<CliConfig>;
    return { url: parsed.url, key: parsed.key };
  } catch (e) {
    throw new UsageError(`${file} is not valid JSON (${(e as Error).message}); fix or delete it`);
  }
}

/** Resolves the URL and key, or says exactly what to set. */
export function resolveConfig(opts: { url?: string; config?: string }, env: Env = process.env): CliConfig {
  const file = configPath(env, opts.config);
  const fromFile = readFile(file) ?? {};
  const url = opts.url ?? env.OPENCLAWPS_URL ?? fromFile.url;
  const key = env.OPENCLAWPS_KEY ?? fromFile.key;
  if (!url || !key) {
    const missing = [!url ? "the control plane's URL" : "", !key ? "its API key" : ""]
      .filter(Boolean)
      .join(" and ");
    throw new UsageError(
      `no ${missing}: set OPENCLAWPS_URL (the app's origin, e.g. http://127.0.0.1:7071) and OPENCLAWPS_KEY, ` +
        `or run 'openclawps login --url URL' (writes ${file}, mode 0600); --url overrides the URL`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`the URL '${url}' is not a URL; use the app's origin, like http://127.0.0.1:7071`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new UsageError(`the URL '${url}' must start with http:// or https://`);
  }
  return { url: parsed.origin, key };
}

/** Writes the config file with mode 0600 (its folder 0700). */
export function writeConfig(file: string, config: CliConfig): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}
