import { createKeyVaultSecretStore } from "./key-vault";
import { createLocalFileSecretStore } from "./local-file";
import type { SecretStore } from "./types";

export * from "./catalogue";
export * from "./fingerprint";
export * from "./key-vault";
export * from "./local-file";
export * from "./redact";
export * from "./types";

/**
 * Key Vault when a vault is configured (Azure), else the local secrets file (the twin, which
 * also generates the control plane's SSH key on first use).
 */
export function createSecretStore(opts: {
  keyVaultUri?: string;
  sshKeySecretName?: string;
  localSecretsFile?: string;
  generateSshKey?: boolean;
}): SecretStore {
  if (opts.keyVaultUri) {
    return createKeyVaultSecretStore({ vaultUrl: opts.keyVaultUri, sshKeySecretName: opts.sshKeySecretName });
  }
  if (!opts.localSecretsFile)
    throw new Error("no secret store configured: set KEY_VAULT_URI or LOCAL_SECRETS_FILE");
  return createLocalFileSecretStore({ file: opts.localSecretsFile, generateSshKey: opts.generateSshKey });
}
