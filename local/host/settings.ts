/**
 * App settings for the dev host, as Core Tools reads them: the `Values` of local.settings.json (or,
 * when that gitignored file is absent, of the committed local.settings.example.json), then the
 * process environment, which wins. `applyToEnv` copies settings into process.env without overriding,
 * because function code reads its settings from there.
 */
import fs from "fs";
import path from "path";

export type Settings = Record<string, string>;

/** Reads the settings file of `rootDir` and overlays process.env (or `env`). */
export function loadSettings(rootDir: string, env: NodeJS.ProcessEnv = process.env): Settings {
  const values =
    readValues(path.join(rootDir, "local.settings.json")) ??
    readValues(path.join(rootDir, "local.settings.example.json")) ??
    {};
  const settings: Settings = { ...values };
  for (const key of Object.keys(values)) {
    const fromEnv = env[key];
    if (fromEnv !== undefined) settings[key] = fromEnv;
  }
  return settings;
}

function readValues(file: string): Settings | undefined {
  if (!fs.existsSync(file)) return undefined;
  const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as { Values?: Record<string, unknown> };
  const out: Settings = {};
  for (const [k, v] of Object.entries(parsed.Values ?? {}))
    if (v !== null && v !== undefined) out[k] = String(v);
  return out;
}

/** Copies settings into process.env where the environment has no value yet. */
export function applyToEnv(settings: Settings, env: NodeJS.ProcessEnv = process.env): void {
  for (const [k, v] of Object.entries(settings)) if (env[k] === undefined) env[k] = v;
}

/** The value of a setting: explicit settings first, then the environment. */
export function getSetting(
  settings: Settings,
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return settings[name] ?? env[name];
}

/**
 * Whether `AzureWebJobs.<name>.Disabled` is true (Azure's way to switch one function off without
 * redeploying): its trigger is not listened to; an HTTP function answers 404 except to the admin
 * (master) key.
 */
export function isFunctionDisabled(
  settings: Settings,
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const v = getSetting(settings, `AzureWebJobs.${name}.Disabled`, env)?.trim().toLowerCase();
  return v === "true" || v === "1";
}

/**
 * Resolves `%NAME%` references (host.json hubName, binding properties such as queueName or
 * schedule) against the settings, as the host's name resolver does. Throws on an unknown name so a
 * missing setting is a clear error rather than a queue literally named "%X%".
 */
export function resolvePercentVars(
  value: string,
  settings: Settings,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return value.replace(/%([^%]+)%/g, (_m, name: string) => {
    const v = getSetting(settings, name, env);
    if (v === undefined) throw new Error(`App setting "${name}" is not set (referenced as %${name}%).`);
    return v;
  });
}
