/**
 * The saga activities' dependencies, taken from the composition root (core/app), the same on Azure
 * and on the twin: configuration decides whether the gateway talks to Azure or the emulator,
 * whether secrets come from Key Vault or the local secrets file, and how SSH finds a claw.
 */
import type { AppRoot } from "../../core/app";
import { DELETE_DATA_DISK } from "../../core/azure";
import { generateAccessPassword } from "../../core/secrets";
import { renderCloudInit } from "../../core/cloud-init";
import type { ActivityDeps, GuestPort } from "./ports";
import { logLine } from "../../core/telemetry";

/** Builds the activities' dependencies from the root (throws when the configuration is incomplete). */
export function activityDepsFrom(root: AppRoot): ActivityDeps {
  const { env } = root;
  const config = root.config();
  const state = root.storage.state;
  const gateway = root.gateway();
  const secrets = root.secrets();
  const log = (m: string) => logLine("info", `[activities] ${m}`);
  const guestFor = root.guests(log);
  // SSH to the claw's public IP: on the twin the emulator maps it to the loopback port of whichever
  // VM's NIC holds it, so an upgrade that moves the IP to a standby reaches the standby.
  const client = (a: { claw: string; address: string; hostKeySha256?: string }) =>
    guestFor({ address: a.address, hostKeySha256: a.hostKeySha256 });
  const guest: GuestPort = {
    waitForSsh: async (a) => (await client(a)).waitForSsh(),
    exec: async (a) => (await client(a)).exec(a.command, { timeoutMs: a.timeoutMs }),
    session: async (a, fn) =>
      (await client(a)).session((exec) => fn((command, timeoutMs) => exec(command, { timeoutMs }))),
    deliverSecrets: async (a) =>
      (await client(a)).deliverSecrets(a.secrets, {
        accessPassword: a.accessPassword,
        settings: a.settings,
        only: a.only,
      }),
    verify: async (a) => (await client(a)).runVerify(),
  };
  return {
    state,
    guest,
    secrets: {
      clawSecrets: (claw) => secrets.getClawSecrets(claw),
      controlPlaneSshPublicKey: () => secrets.getControlPlaneSshPublicKey(),
      secretVersions: async (claw) =>
        Object.fromEntries((await secrets.listClawSecrets(claw)).map((s) => [s.key, s.version])),
      accessPassword: async (claw) => {
        const existing = await secrets.getAccessPassword(claw);
        if (existing) return { ...existing, created: false };
        const password = generateAccessPassword();
        const { version } = await secrets.setAccessPassword(claw, password);
        return { password, version, created: true };
      },
      clawHolding: (key, value, claw) => secrets.findClawHolding(key, value, claw),
    },
    agentDefaults: {
      defaultModel: env.FLEET_DEFAULT_MODEL || undefined,
      operatorTelegramId: env.FLEET_OPERATOR_TELEGRAM_ID || undefined,
    },
    azure: {
      ...gateway,
      getDiskState: (n) => gateway.getDisk(n),
      snapshotDisk: (a) => gateway.snapshotDisk({ ...a, incremental: true }),
      deleteDisk: (n) => gateway.deleteDisk(n, { confirm: DELETE_DATA_DISK }),
    },
    renderCustomData: ({ claw, imageVersion }) => {
      const r = renderCloudInit({ clawName: claw, imageVersion, adminUser: config.ssh.adminUsername });
      return { base64: r.base64, runtimeVersion: r.runtimeVersion };
    },
    adminUsername: config.ssh.adminUsername,
    bootTimeoutMs: Number(env.CLAW_BOOT_TIMEOUT_MS ?? 20 * 60_000),
    upgradeStrategy: env.UPGRADE_STRATEGY === "replace" ? "replace" : "handoff",
    bootPollMs: Number(env.CLAW_BOOT_POLL_MS ?? (config.mode === "twin" ? 250 : 5_000)),
    log,
  };
}
