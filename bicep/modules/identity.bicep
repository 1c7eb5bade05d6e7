// The control plane's user-assigned managed identity. A user-assigned identity (not system-assigned)
// lets its role assignments exist before the Function App does, and survives re-creating the app.

@description('Name of the identity')
param name string

param location string
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
