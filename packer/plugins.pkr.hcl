# Kept apart so the rest of the template validates with a Packer that has azure-arm built in
# (Debian's 1.6.x rejects required_plugins): `packer init .` reads this file on newer Packers.
packer {
  required_version = ">= 1.10.0"
  required_plugins {
    azure = {
      source  = "github.com/hashicorp/azure"
      version = "~> 2.1"
    }
  }
}
