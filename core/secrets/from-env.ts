import { loadConfig } from "../config";
import { createSecretStore } from "./index";
import type { SecretStore } from "./types";

const cache = new Map<string, SecretStore>();

/**
 * The secret store the settings name, as the saga activities build it: Key Vault on Azure, the
 * local secrets file on the twin. One per configuration and process.
 */
export function secretStoreFromEnv(env: NodeJS.ProcessEnv = process.env): SecretStore {
  const config = loadConfig(env);
  const opts = {
    keyVaultUri: config.mode === "azure" ? config.keyVaultUri : undefined,
    sshKeySecretName: env.SSH_KEY_SECRET_NAME,
    localSecretsFile: env.LOCAL_SECRETS_FILE || undefined,
    generateSshKey: config.mode === "twin",
  };
  const key = JSON.stringify(opts);
  let store = cache.get(key);
  if (!store) {
    store = createSecretStore(opts);
    cache.set(key, store);
  }
  return store;
}
