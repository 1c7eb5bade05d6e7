// Key Vault in RBAC mode for the operator's secrets (Telegram bot token and webhook secret, the bake
// webhook secret), the claws' secrets and the control plane's SSH key. Access is by role assignment
// only (see control-plane-access.bicep); no access policies. Secret values are never set here: the
// operator adds them after provisioning (docs/deploy-to-azure.md).

param name string
param location string
param tags object = {}

@description('Purge protection keeps deleted secrets recoverable for the retention period; it cannot be turned off again')
param enablePurgeProtection bool = true

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // ARM refuses `false` here: omit the property to leave purge protection off.
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

output name string = vault.name
output id string = vault.id
output uri string = vault.properties.vaultUri
