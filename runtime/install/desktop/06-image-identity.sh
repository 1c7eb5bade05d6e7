#!/usr/bin/env bash
# Summary: bake step: record the gallery image version this image is published as, for verify.sh.
# Usage: run by Packer as root with IMAGE_VERSION set (x.y.z).
set -euo pipefail
[[ ${IMAGE_VERSION:-} =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "06-image-identity.sh: IMAGE_VERSION must be x.y.z" >&2; exit 1; }
install -d -m 0755 /etc/openclawps
echo "$IMAGE_VERSION" >/etc/openclawps/image-version
echo "image version $IMAGE_VERSION recorded"
