/**
 * What the control plane keeps on a claw's data disk besides the agent's own state: its secrets
 * (claw.env), its access password (vnc-password.txt) and the agent's settings (default model,
 * operator's Telegram id). Delivered on deploy, upgrade, wake and verify, and at once when an
 * operator changes a secret; only what changed travels, compared by SHA-256 of the files (the
 * values never leave these functions), and each delivery is recorded as versions and times.
 */
import { createHash } from "node:crypto";
import type { ClawSpec } from "../../core/domain/spec";
import { ClawError } from "../../core/errors";
import { HASH_COMMAND, parseHashes, type DeliveredFile } from "../../core/guest/protocol";
import { renderSecretsFile } from "../../core/guest/secrets-file";
import { KNOWN_SECRET_KEYS, PROVIDER_KEYS } from "../../core/secrets/catalogue";
import type { DeliveredState } from "../../core/state";
import type { ActivityDeps, AgentDefaults } from "./ports";
import { asStep, type StepInput } from "./step";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** The agent's settings file: the claw's own values over the fleet's defaults. */
export function agentSettings(spec: ClawSpec, defaults: AgentDefaults = {}): Record<string, string> {
  const out: Record<string, string> = { CLAW_NAME: spec.name };
  const model = spec.defaultModel ?? defaults.defaultModel;
  const operator = spec.operatorTelegramId ?? defaults.operatorTelegramId;
  if (model) out.DEFAULT_MODEL = model;
  if (operator) out.OPERATOR_TELEGRAM_ID = operator;
  return out;
}

export function createDeliveryActivities(deps: ActivityDeps) {
  const claws = deps.state.claws;

  /**
   * Before a deploy touches Azure: the claw must have a model provider's key and a Telegram bot
   * token of its own that no other claw holds (both the original's rules). Names what is missing; never a value.
   */
  async function checkSecrets(input: StepInput) {
    return asStep(deps, input, "check-secrets", async () => {
      const secrets = await deps.secrets.clawSecrets(input.claw);
      const providers = PROVIDER_KEYS.filter((k) => secrets[k]);
      if (providers.length === 0) {
        throw new ClawError(
          "BAD_REQUEST",
          `claw ${input.claw} has no model provider key: set at least one of ${PROVIDER_KEYS.join(", ")} (PUT /api/v1/claws/${input.claw}/secrets/<KEY>) before deploying`,
        );
      }
      // verify.sh requires the claw's Telegram channel: without a bot the deploy could only fail at
      // its last step, after every resource was made.
      if (!secrets.TELEGRAM_BOT_TOKEN) {
        throw new ClawError(
          "BAD_REQUEST",
          `claw ${input.claw} has no Telegram bot token: create a bot with @BotFather and set it (PUT /api/v1/claws/${input.claw}/secrets/TELEGRAM_BOT_TOKEN) before deploying; each claw needs its own bot`,
        );
      }
      for (const spec of KNOWN_SECRET_KEYS.filter((k) => k.uniquePerClaw)) {
        const value = secrets[spec.key];
        if (!value) continue;
        const other = await deps.secrets.clawHolding(spec.key, value, input.claw);
        if (other) {
          throw new ClawError(
            "CONFLICT",
            `claw ${input.claw}'s ${spec.key} is the one claw '${other}' uses; give each claw its own bot (a second poller of one bot gets 409 from Telegram)`,
          );
        }
      }
      return {
        result: { providers },
        detail: `model keys: ${providers.join(", ")}; a Telegram bot of its own`,
      };
    });
  }

  /**
   * Sends what changed of the claw's secrets, access password and agent settings (the password is
   * generated on the first delivery, i.e. the first deploy), runs apply-secrets.sh, and records
   * versions and times. A claw whose files are all current gets nothing and runs nothing.
   */
  async function deliverSecrets(input: StepInput) {
    return asStep(deps, input, "deliver-secrets", async () => {
      const c = await claws.require(input.claw);
      const secrets = await deps.secrets.clawSecrets(input.claw);
      const password = await deps.secrets.accessPassword(input.claw);
      const settings = agentSettings(c.spec, deps.agentDefaults);
      const target = {
        claw: input.claw,
        address: c.observed.publicIp ?? "",
        hostKeySha256: c.observed.hostKeySha256,
      };
      const want: Record<DeliveredFile, string> = {
        secrets: sha256(renderSecretsFile(secrets)),
        "access-password": sha256(`${password.password}\n`),
        settings: sha256(renderSecretsFile(settings)),
      };
      const have = await deps.guest.exec({ ...target, command: HASH_COMMAND, timeoutMs: 30_000 });
      const onDisk = have.code === 0 ? parseHashes(have.stdout) : {};
      const changed = (Object.keys(want) as DeliveredFile[]).filter((k) => onDisk[k] !== want[k]);
      if (changed.length > 0) {
        await deps.guest.deliverSecrets({
          ...target,
          secrets,
          accessPassword: password.password,
          settings,
          only: changed,
        });
      }
      const versions = await deps.secrets.secretVersions(input.claw);
      const at = new Date().toISOString();
      const before: DeliveredState = c.observed.delivered ?? { secrets: {} };
      const delivered: DeliveredState = { secrets: {} };
      for (const key of Object.keys(secrets).sort()) {
        const version = versions[key] ?? "0";
        const prev = before.secrets[key];
        delivered.secrets[key] = prev && prev.version === version ? prev : { version, at };
      }
      delivered.accessPassword =
        before.accessPassword?.version === password.version
          ? before.accessPassword
          : { version: password.version, at };
      delivered.settingsAt = changed.includes("settings") || !before.settingsAt ? at : before.settingsAt;
      await claws.updateObserved(input.claw, { delivered });
      // Names only: values never leave this function.
      const names = Object.keys(secrets).sort().join(", ");
      return {
        result: { changed },
        detail:
          changed.length === 0
            ? `secrets (${names}), access password and agent settings on the disk are current; not re-sent`
            : `delivered ${changed.join(", ")} (secrets: ${names}${password.created ? "; access password generated" : ""})`,
      };
    });
  }

  return { checkSecrets, deliverSecrets };
}
