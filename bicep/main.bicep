// OpenClawps on Azure: the control plane (Flex Consumption Function App, its identity-connected
// storage, a user-assigned identity, Key Vault in RBAC mode, Application Insights + Log Analytics)
// and the fleet shared infrastructure (fleet.bicep), with the identity's role assignments scoped to
// single resources or to the fleet resource group. Nothing is assigned at subscription scope.
// Entry point of `azd up` (azure.yaml: infra.path bicep); parameters in main.parameters.json.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; seeds resource names')
param environmentName string

@minLength(1)
@description('Region of the control plane (must offer Flex Consumption)')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Region of the claws; empty means the control plane\'s region')
param fleetLocation string = ''

@description('Control plane resource group; default rg-<environmentName>')
param resourceGroupName string = ''

@description('Fleet resource group; default rg-<environmentName>-fleet')
param fleetResourceGroupName string = ''

@description('Compute Gallery name; default clawgallery<token>')
param galleryName string = ''

param imageDefinitionName string = 'claw-desktop-gpu'

@description('Comma-separated Telegram user ids allowed to command the fleet')
param telegramOperatorIds string

@description('Telegram chat id that receives notifications')
param telegramOperatorChatId string

@allowed([
  'record'
  'canary-approval'
  'automatic'
])
param rolloutPolicy string = 'canary-approval'

@description('Client id of an Entra ID app registration for the console: when set, App Service authentication signs operators in before the console\'s files are served (the API, the Telegram and bake webhooks keep their own keys). Empty: the files are open, every data call keyed.')
param consoleEntraClientId string = ''

@description('Durable Functions task hub name (letters and digits)')
param durableHubName string = 'OpenClawps'

@allowed([
  '20'
  '22'
])
param nodeVersion string = '22'

@description('Source of inbound SSH to claws: "*" or a CIDR/service tag. The control plane must reach port 22.')
param sshSourcePrefix string = '*'

@description('Source of inbound RDP, Sunshine/Moonlight and Tailscale: "*" or the operators\' CIDR')
param remoteAccessSourcePrefix string = '*'

@description('Optional: principal allowed to set Key Vault secrets (azd passes the signed-in user)')
param principalId string = ''

@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param principalType string = 'User'

@description('Key Vault purge protection (cannot be turned off once on)')
param keyVaultPurgeProtection bool = true

@description('E-mail of the on-call operators for the control plane\'s alerts (empty: add receivers later)')
param alertEmail string = ''

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  app: 'openclawps'
  'azd-env-name': environmentName
}
var fleetTags = {
  app: 'openclawps'
  'openclawps-env': environmentName
}
var controlPlaneRgName = empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
var fleetRgName = empty(fleetResourceGroupName) ? 'rg-${environmentName}-fleet' : fleetResourceGroupName
var effectiveFleetLocation = empty(fleetLocation) ? location : fleetLocation
var effectiveGalleryName = empty(galleryName) ? 'clawgallery${resourceToken}' : galleryName

// Names of the operator secrets in Key Vault; docs/deploy-to-azure.md tells how to set them.
var secretNames = {
  telegramBotToken: 'telegram-bot-token'
  telegramWebhookSecret: 'telegram-webhook-secret'
  bakeWebhookSecret: 'bake-webhook-secret'
  sshPrivateKey: 'control-plane-ssh-key'
}

resource controlPlaneRg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: controlPlaneRgName
  location: location
  tags: tags
}

// The fleet RG carries no azd-env-name tag: azd must find exactly one resource group for the app.
module fleet 'fleet.bicep' = {
  name: 'openclawps-fleet-${resourceToken}'
  params: {
    fleetResourceGroupName: fleetRgName
    location: effectiveFleetLocation
    tags: fleetTags
    galleryName: effectiveGalleryName
    imageDefinitionName: imageDefinitionName
    sshSourcePrefix: sshSourcePrefix
    remoteAccessSourcePrefix: remoteAccessSourcePrefix
  }
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: controlPlaneRg
  params: {
    name: 'id-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: controlPlaneRg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: controlPlaneRg
  params: {
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    location: location
    tags: tags
    alertEmail: alertEmail
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: controlPlaneRg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'key-vault'
  scope: controlPlaneRg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    enablePurgeProtection: keyVaultPurgeProtection
  }
}

module controlPlaneAccess 'modules/control-plane-access.bicep' = {
  name: 'control-plane-access'
  scope: controlPlaneRg
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    vaultOfficerPrincipalId: principalId
    vaultOfficerPrincipalType: principalType
  }
}

// Scope must be known when the deployment starts, so it uses the name, not the module's output.
module fleetAccess 'modules/fleet-access.bicep' = {
  name: 'fleet-access'
  scope: resourceGroup(fleetRgName)
  params: {
    principalId: identity.outputs.principalId
    galleryName: fleet.outputs.galleryName
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: controlPlaneRg
  params: {
    name: 'func-${resourceToken}'
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    nodeVersion: nodeVersion
    durableHubName: durableHubName
    fleetResourceGroupName: fleet.outputs.resourceGroupName
    fleetLocation: effectiveFleetLocation
    fleetSubnetId: fleet.outputs.subnetId
    fleetNsgId: fleet.outputs.nsgId
    galleryResourceGroupName: fleet.outputs.resourceGroupName
    galleryName: fleet.outputs.galleryName
    galleryImageName: fleet.outputs.imageDefinitionName
    keyVaultUri: keyVault.outputs.uri
    vaultItemNames: secretNames
    telegramOperatorIds: telegramOperatorIds
    telegramOperatorChatId: telegramOperatorChatId
    rolloutPolicy: rolloutPolicy
    consoleEntraClientId: consoleEntraClientId
  }
  // The app starts resolving storage and Key Vault references as soon as it exists.
  dependsOn: [
    controlPlaneAccess
  ]
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = controlPlaneRg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output BAKE_WEBHOOK_URL string = 'https://${functionApp.outputs.defaultHostName}/api/v1/hooks/image-baked'
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output FLEET_RESOURCE_GROUP string = fleet.outputs.resourceGroupName
output FLEET_SUBNET_ID string = fleet.outputs.subnetId
output FLEET_NSG_ID string = fleet.outputs.nsgId
output GALLERY_NAME string = fleet.outputs.galleryName
output GALLERY_IMAGE_NAME string = fleet.outputs.imageDefinitionName
output GALLERY_IMAGE_ID string = fleet.outputs.imageDefinitionId
