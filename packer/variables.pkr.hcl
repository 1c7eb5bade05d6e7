# Inputs of the claw baseline image bake. The gallery, image definition and version are what the
# control plane deploys from; the rest picks the base image and the build VM.

variable "subscription_id" {
  type        = string
  description = "Subscription holding the Compute Gallery (and the temporary build resources)."
}

variable "location" {
  type        = string
  default     = "westus2"
  description = "Region of the build VM; the image version is first published here."
}

variable "gallery_resource_group" {
  type        = string
  description = "Resource group of the Compute Gallery."
}

variable "gallery_name" {
  type        = string
  description = "Compute Gallery name."
}

variable "image_name" {
  type        = string
  default     = "claw-desktop"
  description = "Image definition (Linux, generalized, Gen2) the version is published under."
}

variable "image_version" {
  type = string
  # x.y.z. Checked by 06-image-identity.sh and by the gallery, not by a validation block: Packer 1.6
  # (Debian's, used to validate this template offline) cannot evaluate regex() in validations.
  description = "Gallery image version to publish, x.y.z."
}

variable "replication_regions" {
  type        = list(string)
  default     = []
  description = "Regions the version is replicated to besides the build location."
}

variable "replica_count" {
  type        = number
  default     = 1
  description = "Replicas per region."
}

variable "vm_size" {
  type        = string
  default     = "Standard_D4s_v5"
  description = "Size of the temporary build VM."
}

variable "base_image" {
  type = object({
    publisher = string
    offer     = string
    sku       = string
    version   = string
  })
  default = {
    publisher = "Canonical"
    offer     = "ubuntu-24_04-lts"
    sku       = "server"
    version   = "latest"
  }
  description = "Marketplace image the baseline starts from (a GPU marketplace image for GPU claws)."
}

variable "claw_user" {
  type        = string
  default     = "claw"
  description = "The agent's user: autologin on :0 (the runtime's CLAW_USER)."
}

variable "sunshine_version" {
  type        = string
  default     = "2025.628.4510"
  description = "Sunshine release to install."
}

variable "sunshine_sha256" {
  type        = string
  description = "SHA-256 of that release's Ubuntu .deb; the bake fails on a mismatch."
}

variable "tags" {
  type        = map(string)
  default     = {}
  description = "Tags for the build resources and the image version."
}
