// What the control plane identity may do in the fleet's resource group, and nowhere else:
// - Virtual Machine Contributor on the resource group: VMs, managed disks, NICs, joining the subnet,
//   NSG and existing public IPs.
// - A custom role, assignable only in this resource group, for what that built-in role leaves out
//   (by the built-in role's published actions): creating and deleting public IPs, and the data-disk snapshots
//   the upgrade saga takes before replacing a VM.
// - Reader on the Compute Gallery, which Virtual Machine Contributor does not grant; without it a VM
//   create from a gallery image version fails with LinkedAuthorizationFailed.
targetScope = 'resourceGroup'

@description('Principal id of the control plane identity')
param principalId string

@description('Compute Gallery in this resource group holding the claw baseline image')
param galleryName string

var roleIds = loadJsonContent('role-ids.json')

resource gallery 'Microsoft.Compute/galleries@2024-03-03' existing = {
  name: galleryName
}

resource fleetOperatorRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'openclawps-fleet-network-and-snapshots')
  properties: {
    // Role names are unique per tenant: include the resource group so two fleets can coexist.
    roleName: 'OpenClawps fleet public IPs and snapshots (${resourceGroup().name})'
    description: 'Create and delete claw public IPs and data-disk snapshots; complements Virtual Machine Contributor.'
    type: 'CustomRole'
    assignableScopes: [
      resourceGroup().id
    ]
    permissions: [
      {
        actions: [
          'Microsoft.Network/publicIPAddresses/read'
          'Microsoft.Network/publicIPAddresses/write'
          'Microsoft.Network/publicIPAddresses/delete'
          'Microsoft.Network/publicIPAddresses/join/action'
          'Microsoft.Compute/snapshots/read'
          'Microsoft.Compute/snapshots/write'
          'Microsoft.Compute/snapshots/delete'
        ]
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

resource vmContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, roleIds.virtualMachineContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.virtualMachineContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource fleetOperator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, fleetOperatorRole.name)
  properties: {
    // The subscription-level id form; the symbol reference also orders this after the definition.
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', fleetOperatorRole.name)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource galleryReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(gallery.id, principalId, roleIds.reader)
  scope: gallery
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.reader)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
