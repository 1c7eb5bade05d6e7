#!/usr/bin/env bats
# Summary: the Packer baseline template validates (minus plugins.pkr.hcl, for Debian's Packer 1.6 that
# has azure-arm built in), is formatted, and points at provisioner scripts that exist.

load helpers

# validate_copy: copies the template minus the plugins file next to a link to runtime/, so the
# template's ${path.root}/../runtime paths resolve as in the repository.
validate_copy() {
  local work=$BATS_TEST_TMPDIR/work
  mkdir -p "$work/packer"
  find "$REPO/packer" -maxdepth 1 -name '*.pkr.hcl' ! -name plugins.pkr.hcl -exec cp {} "$work/packer/" \;
  cp "$REPO/packer/image-layers.json" "$work/packer/"
  ln -sfn "${1:-$REPO/runtime}" "$work/runtime"
  cd "$work/packer"
  packer validate \
    -var subscription_id=00000000-0000-0000-0000-000000000000 \
    -var gallery_resource_group=rg-claw-shared -var gallery_name=clawGallery \
    -var image_version=1.2.3 -var sunshine_sha256=0000000000000000000000000000000000000000000000000000000000000000 \
    -var 'replication_regions=["eastus"]' .
}

@test "packer: the baseline template validates without the plugins file" {
  require_tool packer "apt-get install packer"
  run validate_copy
  [ "$status" -eq 0 ] || fail "$output"
}

@test "packer: validation fails when a provisioner script is missing" {
  require_tool packer "apt-get install packer"
  partial=$BATS_TEST_TMPDIR/runtime
  mkdir -p "$partial/install"
  cp -R "$REPO/runtime/install/desktop" "$partial/install/"
  rm "$partial/install/desktop/04-xrdp.sh"
  run validate_copy "$partial"
  [ "$status" -ne 0 ]
  [[ $output == *"04-xrdp.sh"* ]]
}

@test "packer: the template is formatted and the plugins file pins the azure plugin" {
  require_tool packer "apt-get install packer"
  run packer fmt -check "$REPO/packer"
  [ "$status" -eq 0 ] || fail "packer fmt would change: $output"
  grep -q 'source  = "github.com/hashicorp/azure"' "$REPO/packer/plugins.pkr.hcl"
  # Everything but the plugins file must stay loadable by Packer 1.6: no required_plugins elsewhere.
  ! grep -l required_plugins "$REPO"/packer/*.pkr.hcl | grep -v plugins.pkr.hcl
}
