// Parameters for deploying only the fleet shared infrastructure (see fleet.bicep). No secrets here.
using 'fleet.bicep'

param fleetResourceGroupName = 'rg-openclawps-fleet'
param location = 'westus2'
param galleryName = 'clawGallery'
param imageDefinitionName = 'claw-desktop-gpu'
param tags = {
  app: 'openclawps'
}

// Narrow these to your operators' CIDR once you know it; SSH must stay reachable by the control plane.
param sshSourcePrefix = '*'
param remoteAccessSourcePrefix = '*'
