import type { Config } from "../config";
import type { SecretStore } from "../secrets/types";
import { createGuestClient, type GuestClient } from "./client";
import { createEndpointResolver } from "./endpoints";

/** Which claw to talk to: its address and, once known, its pinned host key. */
export interface GuestTarget {
  /** Azure: the public IP. Twin: the VM name (the emulator's endpoint map is keyed by VM name and id). */
  address: string;
  hostKeySha256?: string;
}

export type GuestClientFactory = (target: GuestTarget) => Promise<GuestClient>;

/**
 * Guest clients wired from configuration: the endpoint resolver (map on the twin, direct on
 * Azure), the admin user, the control plane's SSH key from the secret store, the timeouts.
 */
export function createGuestClientFactory(
  config: Pick<Config, "ssh">,
  secrets: Pick<SecretStore, "getControlPlaneSshKey">,
  opts: { log?: (message: string) => void } = {},
): GuestClientFactory {
  const resolveEndpoint = createEndpointResolver({
    mapUrl: config.ssh.endpointMapUrl,
    mapCaFile: config.ssh.endpointMapCaFile,
  });
  return async function guestFor(target) {
    return createGuestClient({
      address: target.address,
      hostKeySha256: target.hostKeySha256,
      resolveEndpoint,
      username: config.ssh.adminUsername,
      privateKey: await secrets.getControlPlaneSshKey(),
      connectTimeoutMs: config.ssh.connectTimeoutMs,
      retry: config.ssh.retry,
      execTimeoutMs: config.ssh.execTimeoutMs,
      log: opts.log,
    });
  };
}
