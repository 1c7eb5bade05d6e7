#!/usr/bin/env node
// Summary: write the control plane's settings for the agent (default model, the operator's Telegram
// id) into the agent's configuration (openclaw.json on the data disk).
// Usage: agent-settings.js CONFIG SETTINGS_ENV
//   SETTINGS_ENV holds KEY=VALUE lines (DEFAULT_MODEL, OPERATOR_TELEGRAM_ID); absent keys leave the
//   configuration as it is. Sets agents.defaults.model.primary, and channels.telegram.allowFrom =
//   [id] with dmPolicy "allowlist" (only the operator talks to the agent). Writes only on change,
//   atomically, keeping the file's owner and mode. Prints "changed" or "unchanged"; exit 2 on usage
//   errors, 3 when CONFIG is not plain JSON (a hand-edited JSON5 file is left alone).
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const me = "agent-settings.js";
const [configPath, settingsPath] = process.argv.slice(2);
if (!configPath || !settingsPath) {
  process.stderr.write(`${me}: usage: agent-settings.js CONFIG SETTINGS_ENV\n`);
  process.exit(2);
}

const settings = {};
for (const line of fs.readFileSync(settingsPath, "utf8").split("\n")) {
  const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
  if (m) settings[m[1]] = m[2];
}

let text = "{}";
let stat;
try {
  text = fs.readFileSync(configPath, "utf8");
  stat = fs.statSync(configPath);
} catch (e) {
  if (e.code !== "ENOENT") throw e;
}
let config;
try {
  config = JSON.parse(text);
} catch {
  process.stderr.write(`${me}: ${configPath} is not plain JSON (edited by hand?); settings not applied\n`);
  process.exit(3);
}
if (config === null || typeof config !== "object" || Array.isArray(config)) {
  process.stderr.write(`${me}: ${configPath} is not a JSON object; settings not applied\n`);
  process.exit(3);
}

const before = JSON.stringify(config);
const obj = (parent, key) => {
  if (parent[key] === null || typeof parent[key] !== "object" || Array.isArray(parent[key])) parent[key] = {};
  return parent[key];
};
if (settings.DEFAULT_MODEL) {
  const model = obj(obj(config, "agents"), "defaults");
  const m = obj(model, "model");
  m.primary = settings.DEFAULT_MODEL;
}
if (settings.OPERATOR_TELEGRAM_ID) {
  const telegram = obj(obj(config, "channels"), "telegram");
  telegram.dmPolicy = "allowlist";
  telegram.allowFrom = [settings.OPERATOR_TELEGRAM_ID];
}
if (JSON.stringify(config) === before && stat) {
  process.stdout.write("unchanged\n");
  process.exit(0);
}

const tmp = path.join(path.dirname(configPath), `.${path.basename(configPath)}.tmp-${process.pid}`);
fs.writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: stat ? stat.mode & 0o777 : 0o644 });
if (stat) fs.chownSync(tmp, stat.uid, stat.gid);
fs.renameSync(tmp, configPath);
process.stdout.write("changed\n");
