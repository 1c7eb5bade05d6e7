// Fleet shared infrastructure (the original's "shared" Terraform root): the fleet resource group,
// VNet + subnet, NSG, Compute Gallery and the baseline image definition. main.bicep includes it;
// it also deploys on its own (fleet.bicepparam) for an operator who only wants the fleet side:
//   az deployment sub create -l <region> -f bicep/fleet.bicep -p bicep/fleet.bicepparam
targetScope = 'subscription'

@minLength(1)
@maxLength(90)
param fleetResourceGroupName string

@description('Region of the fleet (VMs, disks, network, gallery)')
param location string

param tags object = {}

@description('Compute Gallery name: letters, digits, underscores and periods')
param galleryName string

param imageDefinitionName string = 'claw-desktop-gpu'
param vnetName string = 'vnet-claws'
param nsgName string = 'nsg-claws'
param addressPrefix string = '10.60.0.0/16'
param subnetPrefix string = '10.60.1.0/24'

@description('Source of inbound SSH (22): "*" or a CIDR/service tag')
param sshSourcePrefix string = '*'

@description('Source of inbound RDP, Sunshine/Moonlight and Tailscale: "*" or the operators\' CIDR')
param remoteAccessSourcePrefix string = '*'

resource fleetRg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: fleetResourceGroupName
  location: location
  tags: tags
}

module network 'modules/fleet-network.bicep' = {
  name: 'fleet-network'
  scope: fleetRg
  params: {
    location: location
    tags: tags
    vnetName: vnetName
    nsgName: nsgName
    addressPrefix: addressPrefix
    subnetPrefix: subnetPrefix
    sshSourcePrefix: sshSourcePrefix
    remoteAccessSourcePrefix: remoteAccessSourcePrefix
  }
}

module gallery 'modules/gallery.bicep' = {
  name: 'fleet-gallery'
  scope: fleetRg
  params: {
    location: location
    tags: tags
    galleryName: galleryName
    imageDefinitionName: imageDefinitionName
  }
}

output resourceGroupName string = fleetRg.name
output subnetId string = network.outputs.subnetId
output nsgId string = network.outputs.nsgId
output galleryName string = gallery.outputs.galleryName
output imageDefinitionName string = gallery.outputs.imageDefinitionName
output imageDefinitionId string = gallery.outputs.imageDefinitionId
