#!/usr/bin/env bash
# Summary: check on a real subscription every assumption the twin makes for upgrades, and print
#   the figures to compare with the emulator's `azure` latency profile (docs/azure-validation.md).
# Usage: scripts/validate-on-azure.sh -g RESOURCE_GROUP -l LOCATION -s SUBNET_ID -i IMAGE_VERSION_ID
#          [-z VM_SIZE] [-k SSH_PUBLIC_KEY_FILE] [--keep]
#   Needs the Azure CLI (`az login` done), jq and ssh-keyscan. Creates two small VMs, one NIC each,
#   one public IP and one 4 GiB data disk in RESOURCE_GROUP (all tagged openclawps-validation), runs
#   the checks, and deletes everything it made unless --keep is given. Costs a few cents.
#   Checks: (1) a VM created from the gallery version with custom data runs cloud-init's app layer
#   (Run Command sees /opt/claw and boot.sh's "standby" status); (2) Run Command reports the VM's SSH
#   host key, the same one ssh-keyscan sees (the authenticated host-key channel); (3) online attach
#   and detach on a running VM, through attachDetachDataDisks and through a VM update, with disk
#   states; (4) the public IP moves from one NIC to another, and Azure refuses it while still on
#   the first; (5) an OS disk swapped into an existing VM gets no provisioning.
set -euo pipefail

me=${0##*/}
die() {
  printf '%s: %s\n' "$me" "$*" >&2
  exit 1
}

rg="" location="" subnet="" image="" size="Standard_B2s" keyfile="$HOME/.ssh/id_ed25519.pub" keep=0
while [ "$#" -gt 0 ]; do
  case $1 in
    -g) rg=$2; shift 2 ;;
    -l) location=$2; shift 2 ;;
    -s) subnet=$2; shift 2 ;;
    -i) image=$2; shift 2 ;;
    -z) size=$2; shift 2 ;;
    -k) keyfile=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
if [ -z "$rg" ] || [ -z "$location" ] || [ -z "$subnet" ] || [ -z "$image" ]; then
  die "-g, -l, -s and -i are required (see --help)"
fi
for tool in az jq ssh-keyscan; do command -v "$tool" >/dev/null || die "$tool is not installed"; done
[ -r "$keyfile" ] || die "cannot read the SSH public key $keyfile (-k)"

run_id=$(date +%s)
tag="openclawps-validation=$run_id"
vm_a="oc-val-a-$run_id" vm_b="oc-val-b-$run_id" disk="oc-val-data-$run_id" ip="oc-val-ip-$run_id"
api="2024-07-01"
sub=$(az account show --query id -o tsv)
vm_id() { printf '/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachines/%s' "$sub" "$rg" "$1"; }

declare -A figures=()
# timed NAME CMD...: runs CMD, records its duration in seconds under NAME.
timed() {
  local name=$1 start end
  shift
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  figures[$name]=$(printf '%.1f' "$(echo "$end - $start" | bc)")
  printf '  %-34s %6s s\n' "$name" "${figures[$name]}"
}

cleanup() {
  [ "$keep" -eq 1 ] && { echo "kept resources tagged $tag"; return; }
  echo "cleaning up (resources tagged $tag)"
  az vm delete -g "$rg" -n "$vm_a" --yes --force-deletion none >/dev/null 2>&1 || true
  az vm delete -g "$rg" -n "$vm_b" --yes --force-deletion none >/dev/null 2>&1 || true
  az network nic delete -g "$rg" -n "$vm_a-nic" >/dev/null 2>&1 || true
  az network nic delete -g "$rg" -n "$vm_b-nic" >/dev/null 2>&1 || true
  az network public-ip delete -g "$rg" -n "$ip" >/dev/null 2>&1 || true
  az disk delete -g "$rg" -n "$disk" --yes >/dev/null 2>&1 || true
}
trap cleanup EXIT

# The app layer's contract, as the claw's cloud-init gives it: boot.sh reports "standby" without a disk.
custom_data=$(mktemp)
cat >"$custom_data" <<'YAML'
#cloud-config
write_files:
  - path: /opt/claw/lifecycle/boot.sh
    permissions: "0755"
    content: |
      #!/usr/bin/env bash
      mkdir -p /var/lib/openclawps
      if [ -e /dev/disk/azure/scsi1/lun0 ]; then s=ok; else s=standby; fi
      printf 'status=%s\nat=%s\nstep=wait-for-disk\n' "$s" "$(date -u +%FT%TZ)" >/var/lib/openclawps/boot-status
runcmd:
  - [bash, /opt/claw/lifecycle/boot.sh]
YAML

run_command() { # VM SCRIPT → stdout of the script
  az vm run-command invoke -g "$rg" -n "$1" --command-id RunShellScript --scripts "$2" \
    --query 'value[0].message' -o tsv
}

echo "1. a new VM from $image: provisioning and cloud-init's app layer"
az network public-ip create -g "$rg" -n "$ip" -l "$location" --sku Standard --allocation-method Static --tags "$tag" >/dev/null
for v in "$vm_a" "$vm_b"; do
  extra=()
  [ "$v" = "$vm_a" ] && extra=(--public-ip-address "$ip")
  az network nic create -g "$rg" -n "$v-nic" -l "$location" --subnet "$subnet" --tags "$tag" "${extra[@]}" >/dev/null
done
timed vm-create-with-custom-data az vm create -g "$rg" -n "$vm_a" -l "$location" --image "$image" --size "$size" \
  --nics "$vm_a-nic" --admin-username clawadmin --ssh-key-values "$keyfile" --custom-data "$custom_data" --tags "$tag"
az vm create -g "$rg" -n "$vm_b" -l "$location" --image "$image" --size "$size" --nics "$vm_b-nic" \
  --admin-username clawadmin --ssh-key-values "$keyfile" --custom-data "$custom_data" --tags "$tag" >/dev/null
# shellcheck disable=SC2016 # expanded on the VM by Run Command, not here
wait_standby='for _ in $(seq 1 120); do grep -q "^status=" /var/lib/openclawps/boot-status 2>/dev/null && break; sleep 5; done; cat /var/lib/openclawps/boot-status; cloud-init status; echo ---; cat /etc/ssh/ssh_host_ed25519_key.pub'
timed run-command-until-standby run_command "$vm_a" "$wait_standby"
out=$(run_command "$vm_a" "$wait_standby")
echo "$out" | grep -q 'status=standby' && echo "  ok: boot.sh ran from custom data and reported standby" \
  || echo "  DIFFERS: no standby status from cloud-init: $out"

echo "2. the host key through Run Command equals what SSH presents"
addr=$(az network public-ip show -g "$rg" -n "$ip" --query ipAddress -o tsv)
rc_key=$(echo "$out" | sed -n '/^---$/,$p' | grep -m1 '^ssh-ed25519' | awk '{print $2}')
scan_key=$(ssh-keyscan -t ed25519 "$addr" 2>/dev/null | awk '{print $3}')
[ -n "$rc_key" ] && [ "$rc_key" = "$scan_key" ] && echo "  ok: same ed25519 host key" \
  || echo "  DIFFERS: run command '${rc_key:-none}' vs ssh-keyscan '${scan_key:-none}'"

echo "3. online attach and detach on a running VM"
az disk create -g "$rg" -n "$disk" -l "$location" --size-gb 4 --sku Premium_LRS --tags "$tag" >/dev/null
disk_id=$(az disk show -g "$rg" -n "$disk" --query id -o tsv)
attach_body=$(jq -nc --arg id "$disk_id" '{dataDisksToAttach: [{diskId: $id, lun: 0, caching: "ReadWrite", deleteOption: "Detach"}]}')
detach_body=$(jq -nc --arg id "$disk_id" '{dataDisksToDetach: [{diskId: $id}]}')
timed attach-attachDetachDataDisks az rest --method post --url "$(vm_id "$vm_a")/attachDetachDataDisks?api-version=$api" --body "$attach_body"
echo "  disk: $(az disk show -g "$rg" -n "$disk" --query '[diskState, managedBy]' -o tsv | tr '\n' ' ')"
echo "  guest sees lun0: $(run_command "$vm_a" 'ls -l /dev/disk/azure/scsi1/lun0 2>&1 | tail -1' | grep -o 'lun0.*' | head -1)"
timed detach-attachDetachDataDisks az rest --method post --url "$(vm_id "$vm_a")/attachDetachDataDisks?api-version=$api" --body "$detach_body"
echo "  disk: $(az disk show -g "$rg" -n "$disk" --query '[diskState, managedBy]' -o tsv | tr '\n' ' ')"
timed attach-vm-update az vm disk attach -g "$rg" --vm-name "$vm_b" --name "$disk" --lun 0
timed detach-vm-update az vm disk detach -g "$rg" --vm-name "$vm_b" --name "$disk"

echo "4. the public IP moves between NICs"
refused=$(az network nic ip-config update -g "$rg" --nic-name "$vm_b-nic" -n ipconfig1 --public-ip-address "$ip" 2>&1 >/dev/null || true)
echo "  while still on $vm_a-nic: ${refused:-(accepted: the twin assumes a refusal)}" | head -c 300; echo
timed ip-off-first-nic az network nic ip-config update -g "$rg" --nic-name "$vm_a-nic" -n ipconfig1 --remove publicIpAddress
timed ip-onto-second-nic az network nic ip-config update -g "$rg" --nic-name "$vm_b-nic" -n ipconfig1 --public-ip-address "$ip"
scan_b=$(ssh-keyscan -t ed25519 "$addr" 2>/dev/null | awk '{print $3}')
[ -n "$scan_b" ] && [ "$scan_b" != "$scan_key" ] && echo "  ok: $addr now answers with $vm_b's key" \
  || echo "  DIFFERS: $addr still answers with ${scan_b:-nothing}"

echo "5. an OS disk swapped into an existing VM gets no provisioning"
az vm deallocate -g "$rg" -n "$vm_b" >/dev/null
os_b=$(az vm show -g "$rg" -n "$vm_b" --query storageProfile.osDisk.managedDisk.id -o tsv)
swap_disk="oc-val-swap-$run_id"
az disk create -g "$rg" -n "$swap_disk" -l "$location" --gallery-image-reference "$image" --tags "$tag" >/dev/null
az vm update -g "$rg" -n "$vm_b" --os-disk "$swap_disk" >/dev/null
az vm start -g "$rg" -n "$vm_b" >/dev/null
swapped=$(run_command "$vm_b" 'cat /var/lib/openclawps/boot-status 2>&1; ls /home/clawadmin/.ssh/authorized_keys 2>&1; cloud-init status 2>&1' || true)
echo "  after the swap: $(echo "$swapped" | tr '\n' ' ' | head -c 300)"
az vm deallocate -g "$rg" -n "$vm_b" >/dev/null && az vm update -g "$rg" -n "$vm_b" --os-disk "$os_b" >/dev/null
az disk delete -g "$rg" -n "$swap_disk" --yes >/dev/null || true

echo
echo "figures (Azure seconds; the twin's azure profile is in local/azure/arm/latency.ts):"
for k in "${!figures[@]}"; do printf '  %-34s %6s\n' "$k" "${figures[$k]}"; done | sort
rm -f "$custom_data"
