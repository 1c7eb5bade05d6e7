// The control plane: a Linux Function App on the Flex Consumption plan (FC1), running as the
// user-assigned identity. Every setting the app reads on Azure (core/settings.ts, azure: "required")
// is set in `appSettings` below; secrets are Key Vault references resolved with the same identity.
// Flex Consumption rejects FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION / WEBSITE_*
// runtime settings: the runtime comes from functionAppConfig.runtime instead.

param name string
param planName string
param location string
param tags object = {}

@description('Resource id of the user-assigned identity the app runs as')
param identityId string

@description('Client id of that identity')
param identityClientId string

param storageAccountName string
param storageBlobEndpoint string
param deploymentContainerName string
param applicationInsightsConnectionString string

@allowed([
  '20'
  '22'
])
param nodeVersion string = '22'

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Durable Functions task hub name (letters and digits, 3-45)')
param durableHubName string

param fleetResourceGroupName string
param fleetLocation string
param fleetSubnetId string
param fleetNsgId string
param galleryResourceGroupName string
param galleryName string
param galleryImageName string
param keyVaultUri string

@description('Names of the Key Vault items (secrets) the app settings reference')
param vaultItemNames object

@description('Comma-separated Telegram user ids allowed to command the fleet')
param telegramOperatorIds string

@description('Telegram chat that receives notifications')
param telegramOperatorChatId string

@allowed([
  'record'
  'canary-approval'
  'automatic'
])
param rolloutPolicy string = 'canary-approval'

@description('Entra ID app registration (client id) that signs operators in to the console; empty: off')
param consoleEntraClientId string = ''

var appSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  DURABLE_HUB_NAME: durableHubName
  AZURE_CLIENT_ID: identityClientId
  AZURE_SUBSCRIPTION_ID: subscription().subscriptionId
  FLEET_RESOURCE_GROUP: fleetResourceGroupName
  FLEET_LOCATION: fleetLocation
  FLEET_SUBNET_ID: fleetSubnetId
  FLEET_NSG_ID: fleetNsgId
  GALLERY_RESOURCE_GROUP: galleryResourceGroupName
  GALLERY_NAME: galleryName
  GALLERY_IMAGE_NAME: galleryImageName
  KEY_VAULT_URI: keyVaultUri
  SSH_KEY_SECRET_NAME: vaultItemNames.sshPrivateKey
  TELEGRAM_BOT_TOKEN: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${vaultItemNames.telegramBotToken}/)'
  TELEGRAM_WEBHOOK_SECRET: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${vaultItemNames.telegramWebhookSecret}/)'
  TELEGRAM_OPERATOR_IDS: telegramOperatorIds
  TELEGRAM_OPERATOR_CHAT_ID: telegramOperatorChatId
  BAKE_WEBHOOK_SECRET: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${vaultItemNames.bakeWebhookSecret}/)'
  ROLLOUT_POLICY: rolloutPolicy
  CONSOLE_SIGN_IN: empty(consoleEntraClientId) ? '' : 'entra'
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd finds the deploy target by this tag (azure.yaml service "api").
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }
}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: appSettings
}

// App Service authentication lets every request through (AllowAnonymous: the API, the Telegram and
// bake webhooks authenticate themselves) and, for a signed-in operator, vouches for them in the
// X-MS-CLIENT-PRINCIPAL-* headers; the console function sends anyone without them to
// /.auth/login/aad (CONSOLE_SIGN_IN=entra). The ID token comes back to /.auth/login/aad/callback,
// which the app registration must list as a redirect URI with ID tokens enabled.
resource consoleSignIn 'Microsoft.Web/sites/config@2024-04-01' = if (!empty(consoleEntraClientId)) {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: consoleEntraClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            'api://${consoleEntraClientId}'
            consoleEntraClientId
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}

// Deployments authenticate with Entra ID (OIDC in CI, az/azd login locally); no publish profiles.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

output name string = site.name
output id string = site.id
output defaultHostName string = site.properties.defaultHostName
