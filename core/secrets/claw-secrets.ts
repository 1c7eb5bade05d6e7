/**
 * The secrets API's behaviour, apart from HTTP: put, delete and list a claw's secrets, read and
 * rotate its access password, each audited (names and versions only) and, when the claw runs,
 * followed by a delivery (a verify operation: it sends what changed, then checks the claw).
 */
import { randomUUID } from "node:crypto";
import { handleCommand } from "../commands/handler";
import type { CommandDeps, SagaAccepted } from "../commands/types";
import type { Channel } from "../domain/commands";
import { ClawError, isClawError } from "../errors";
import type { ClawRecord } from "../state";
import { checkSecretValue, declaredSecretKeys, KNOWN_SECRET_KEYS, secretKeySpec } from "./catalogue";
import { secretPutBodySchema } from "./secret-body";
import { generateAccessPassword } from "./fingerprint";
import type { SecretStore } from "./types";

export interface ClawSecretsDeps extends CommandDeps {
  secrets: SecretStore;
  env?: Record<string, string | undefined>;
}

export interface Origin {
  channel: Channel;
  principal: string;
}

/** How a change reaches the claw. */
export type Delivery =
  | { state: "started"; operationId: string; statusPath: string }
  | { state: "on-wake"; message: string }
  | { state: "after-operation"; operationId?: string; message: string };

async function audit(
  deps: ClawSecretsDeps,
  origin: Origin,
  kind: string,
  claw: string,
  command: Record<string, unknown>,
  outcome: { accepted: boolean; reason?: string; operationId?: string },
): Promise<void> {
  try {
    await deps.state.audit.record({ ...origin, kind, claw, command: { kind, claw, ...command }, ...outcome });
  } catch (e) {
    deps.log?.("error", `writing the audit entry of ${kind} for ${claw} failed`, e);
  }
}

/** Runs `fn`; a refusal is audited (its code and message: they never hold a value) and rethrown. */
async function audited<T>(
  deps: ClawSecretsDeps,
  origin: Origin,
  kind: string,
  claw: string,
  command: Record<string, unknown>,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const reason = isClawError(e) ? `${e.code}: ${e.message}` : "internal error";
    await audit(deps, origin, kind, claw, command, { accepted: false, reason });
    throw e;
  }
}

/**
 * Starts a delivery to a running claw (a verify operation, which sends what changed first); a
 * parked claw gets it on wake, a busy one when its running operation delivers or at the next verify.
 */
async function deliver(deps: ClawSecretsDeps, claw: ClawRecord, origin: Origin): Promise<Delivery> {
  if (claw.observed.powerState !== "running" || !claw.observed.vmId) {
    return {
      state: "on-wake",
      message: `claw ${claw.name} is ${claw.observed.powerState ?? "not deployed"}; the change reaches it when it is deployed or woken`,
    };
  }
  try {
    const r = (await handleCommand(deps, {
      kind: "verify",
      claw: claw.name,
      requestId: `secrets-${randomUUID()}`,
      ...origin,
    })) as SagaAccepted;
    return { state: "started", operationId: r.operationId, statusPath: r.statusPath };
  } catch (e) {
    if (isClawError(e) && e.code === "CLAW_BUSY") {
      const op = typeof e.details?.operationId === "string" ? e.details.operationId : undefined;
      return {
        state: "after-operation",
        ...(op ? { operationId: op } : {}),
        message: `claw ${claw.name} is busy${op ? ` with operation ${op}` : ""}; a deploy, upgrade or wake delivers the change, otherwise POST /api/v1/claws/${claw.name}/verify after it`,
      };
    }
    throw e;
  }
}

export function createClawSecretsService(deps: ClawSecretsDeps) {
  const declared = () => declaredSecretKeys(deps.env ?? process.env);

  /** Sends the changed secrets to the claw (or says when they will arrive), and audits the change. */
  async function deliverAudited(
    claw: ClawRecord,
    origin: Origin,
    kind: "putSecret" | "deleteSecret",
    details: Record<string, unknown>,
  ) {
    const delivery = await deliver(deps, claw, origin);
    await audit(deps, origin, kind, claw.name, details, {
      accepted: true,
      operationId: delivery.state === "started" ? delivery.operationId : undefined,
    });
    return delivery;
  }

  async function put(clawName: string, key: string, body: Record<string, unknown>, origin: Origin) {
    return audited(deps, origin, "putSecret", clawName, { key }, async () => {
      const spec = secretKeySpec(key, declared());
      const extra = Object.keys(body).filter((k) => k !== "value");
      if (extra.length > 0) {
        throw new ClawError(
          "BAD_REQUEST",
          `unknown field${extra.length > 1 ? "s" : ""} ${extra.map((k) => `'${k.slice(0, 40)}'`).join(", ")}: send {"value": "..."}`,
        );
      }
      if (!("value" in body)) throw new ClawError("BAD_REQUEST", `the body needs "value": ${spec.hint}`);
      // The key's own check first: its messages name the key and the expected form.
      const value = checkSecretValue(spec, body.value);
      // The published schema holds too (never echoing the value, as parseOrThrow's message would).
      if (!secretPutBodySchema.safeParse(body).success) {
        throw new ClawError("BAD_REQUEST", `send {"value": "..."} for ${key}: ${spec.hint}`);
      }
      const claw = await deps.state.claws.require(clawName);
      if (spec.uniquePerClaw) {
        const other = await deps.secrets.findClawHolding(key, value, clawName);
        if (other) {
          throw new ClawError(
            "CONFLICT",
            `this ${key} is already used by claw '${other}'; every claw needs its own bot (create one with @BotFather)`,
          );
        }
      }
      const info = await deps.secrets.putClawSecret(clawName, key, value);
      const delivery = await deliverAudited(claw, origin, "putSecret", { key, version: info.version });
      return { claw: clawName, ...info, delivery };
    });
  }

  async function remove(clawName: string, key: string, origin: Origin) {
    return audited(deps, origin, "deleteSecret", clawName, { key }, async () => {
      secretKeySpec(key, declared());
      const claw = await deps.state.claws.require(clawName);
      const removed = await deps.secrets.deleteClawSecret(clawName, key);
      if (!removed) {
        throw new ClawError("NOT_FOUND", `claw ${clawName} has no secret ${key} of its own`);
      }
      const delivery = await deliverAudited(claw, origin, "deleteSecret", { key });
      return { claw: clawName, key, delivery };
    });
  }

  /** Names, versions, scope and when each was last delivered; never a value. */
  async function list(clawName: string) {
    const claw = await deps.state.claws.require(clawName);
    const delivered = claw.observed.delivered;
    const secrets = (await deps.secrets.listClawSecrets(clawName)).map((s) => {
      const d = delivered?.secrets[s.key];
      return {
        ...s,
        ...(d ? { deliveredVersion: d.version, deliveredAt: d.at } : {}),
        onClaw: d?.version === s.version,
      };
    });
    const pw = await deps.secrets.getAccessPassword(clawName);
    return {
      claw: clawName,
      secrets,
      accessPassword: pw
        ? {
            version: pw.version,
            ...(delivered?.accessPassword
              ? {
                  deliveredVersion: delivered.accessPassword.version,
                  deliveredAt: delivered.accessPassword.at,
                }
              : {}),
          }
        : null,
      allowedKeys: [...KNOWN_SECRET_KEYS.map((k) => k.key), ...declared()],
    };
  }

  /** The access password, for an operator; every read is audited (never with the password). */
  async function readAccessPassword(clawName: string, origin: Origin) {
    return audited(deps, origin, "readAccessPassword", clawName, {}, async () => {
      await deps.state.claws.require(clawName);
      const pw = await deps.secrets.getAccessPassword(clawName);
      if (!pw) {
        throw new ClawError(
          "NOT_FOUND",
          `claw ${clawName} has no access password yet: it is generated on the first deploy`,
        );
      }
      await audit(deps, origin, "readAccessPassword", clawName, { version: pw.version }, { accepted: true });
      return { claw: clawName, password: pw.password, version: pw.version };
    });
  }

  /** A new access password, delivered at once to a running claw (a parked one gets it on wake). */
  async function rotateAccessPassword(clawName: string, origin: Origin) {
    return audited(deps, origin, "rotateAccessPassword", clawName, {}, async () => {
      const claw = await deps.state.claws.require(clawName);
      const r = await deps.secrets.setAccessPassword(clawName, generateAccessPassword());
      const delivery = await deliver(deps, claw, origin);
      await audit(
        deps,
        origin,
        "rotateAccessPassword",
        clawName,
        { version: r.version },
        {
          accepted: true,
          operationId: delivery.state === "started" ? delivery.operationId : undefined,
        },
      );
      return { claw: clawName, version: r.version, updatedAt: r.updatedAt, delivery };
    });
  }

  return { put, remove, list, readAccessPassword, rotateAccessPassword };
}
