# The claw baseline image: OS + desktop + remote access, baked rarely and published to the Compute
# Gallery. The app layer (Node, OpenClaw, Chrome, Claude Code, Tailscale, /opt/claw) is not baked:
# cloud-init installs it on every deploy so it can change without a re-bake.

locals {
  # The bake steps, in order, from the list the twin's image model reads too (image-layers.json).
  desktop_scripts = [
    for layer in jsondecode(file("${path.root}/image-layers.json")).layers :
    "${path.root}/../runtime/install/desktop/${layer.script}"
  ]
  build_env = [
    "CLAW_USER=${var.claw_user}",
    "IMAGE_VERSION=${var.image_version}",
    "SUNSHINE_VERSION=${var.sunshine_version}",
    "SUNSHINE_SHA256=${var.sunshine_sha256}",
    "DEBIAN_FRONTEND=noninteractive",
  ]
}

source "azure-arm" "claw_baseline" {
  # Credentials come from `az login` (a federated identity in the bake workflow): no secrets here.
  use_azure_cli_auth = true
  subscription_id    = var.subscription_id

  os_type         = "Linux"
  image_publisher = var.base_image.publisher
  image_offer     = var.base_image.offer
  image_sku       = var.base_image.sku
  image_version   = var.base_image.version

  location = var.location
  vm_size  = var.vm_size

  # Packer 1.6's azure-arm (used to validate offline) needs a managed image as the capture step; the
  # gallery version is published from it. It is small and can be deleted once the version replicated.
  managed_image_name                = "${var.image_name}-${replace(var.image_version, ".", "-")}"
  managed_image_resource_group_name = var.gallery_resource_group

  shared_image_gallery_destination {
    subscription        = var.subscription_id
    resource_group      = var.gallery_resource_group
    gallery_name        = var.gallery_name
    image_name          = var.image_name
    image_version       = var.image_version
    replication_regions = concat([var.location], var.replication_regions)
  }
  shared_image_gallery_replica_count = var.replica_count

  azure_tags = merge(var.tags, { "openclawps-image-version" = var.image_version })
}

build {
  sources = ["source.azure-arm.claw_baseline"]

  # Let cloud-init finish its first boot before apt runs, or the two fight over the dpkg lock.
  provisioner "shell" {
    inline = ["cloud-init status --wait >/dev/null || true"]
  }

  provisioner "shell" {
    execute_command  = "chmod +x {{ .Path }}; sudo -E env {{ .Vars }} {{ .Path }}"
    environment_vars = local.build_env
    scripts          = local.desktop_scripts
  }

  # Generalize: remove the build user, host keys and machine identity so each claw gets its own.
  provisioner "shell" {
    execute_command = "chmod +x {{ .Path }}; sudo -E sh '{{ .Path }}'"
    inline = [
      "apt-get clean",
      "cloud-init clean --logs --seed",
      "/usr/sbin/waagent -force -deprovision+user && export HISTSIZE=0 && sync",
    ]
    inline_shebang = "/bin/sh -x"
  }
}
