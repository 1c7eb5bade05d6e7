// Azure Compute Gallery and the baseline image definition the Packer bake publishes versions into
// (the original's clawGallery / claw-desktop-gpu). Versions are not created here: the bake workflow
// adds them and tells the control plane through the signed webhook.

param location string
param tags object = {}

@description('Gallery name: letters, digits, underscores and periods')
param galleryName string

param imageDefinitionName string = 'claw-desktop-gpu'
param imagePublisher string = 'OpenClawps'
param imageOffer string = 'claw-desktop'
param imageSku string = 'gpu'

@allowed([
  'V1'
  'V2'
])
param hyperVGeneration string = 'V2'

resource gallery 'Microsoft.Compute/galleries@2024-03-03' = {
  name: galleryName
  location: location
  tags: tags
  properties: {
    description: 'OpenClawps claw baseline images'
  }
}

resource image 'Microsoft.Compute/galleries/images@2024-03-03' = {
  parent: gallery
  name: imageDefinitionName
  location: location
  tags: tags
  properties: {
    osType: 'Linux'
    osState: 'Generalized'
    hyperVGeneration: hyperVGeneration
    architecture: 'x64'
    identifier: {
      publisher: imagePublisher
      offer: imageOffer
      sku: imageSku
    }
    description: 'Claw baseline: OS, GPU driver, desktop, xrdp and Sunshine (Packer layer)'
  }
}

output galleryName string = gallery.name
output galleryId string = gallery.id
output imageDefinitionName string = image.name
output imageDefinitionId string = image.id
