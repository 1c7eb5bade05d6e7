// The fleet's network: one VNet with the claws' subnet, and the NSG with the original OpenClawps
// inbound rules (SSH, RDP, Sunshine/Moonlight, Tailscale). The rules live in fleet/nsg-rules.json so
// the port list has one home that tests compare with runtime/. The NSG is attached to the subnet and
// its id is also handed to the control plane (FLEET_NSG_ID) for the claws' NICs.

param location string
param tags object = {}
param vnetName string
param subnetName string = 'snet-claws'
param nsgName string
param addressPrefix string = '10.60.0.0/16'
param subnetPrefix string = '10.60.1.0/24'

@description('Source of inbound SSH: "*" or a CIDR/service tag. The control plane must stay able to reach port 22.')
param sshSourcePrefix string = '*'

@description('Source of inbound RDP, Sunshine/Moonlight and Tailscale: "*" or the operators\' CIDR')
param remoteAccessSourcePrefix string = '*'

var nsgRules = loadJsonContent('../fleet/nsg-rules.json').rules

resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: nsgName
  location: location
  tags: tags
  properties: {
    securityRules: [
      for rule in nsgRules: {
        name: 'allow-${rule.name}'
        properties: {
          description: rule.description
          priority: rule.priority
          direction: 'Inbound'
          access: 'Allow'
          protocol: rule.protocol
          sourceAddressPrefix: rule.source == 'ssh' ? sshSourcePrefix : remoteAccessSourcePrefix
          sourcePortRange: '*'
          destinationAddressPrefix: '*'
          destinationPortRanges: rule.ports
        }
      }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: vnetName
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: subnetName
        properties: {
          addressPrefix: subnetPrefix
          networkSecurityGroup: {
            id: nsg.id
          }
        }
      }
    ]
  }
}

output vnetName string = vnet.name
output subnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, subnetName)
output nsgId string = nsg.id
