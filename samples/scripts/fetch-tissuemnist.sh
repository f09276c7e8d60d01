#!/usr/bin/env bash
# Downloads TissueMNIST (MedMNIST v2, 28x28) to DEST (default data/tissuemnist.npz) and
# checks its md5. Exits non-zero, leaving nothing half-written, when it cannot.
set -euo pipefail
dest=${1:-data/tissuemnist.npz}
url="https://zenodo.org/record/6496656/files/tissuemnist.npz?download=1"
md5="ebe78ee8b05294063de985d821c1c34b"

if [ -f "$dest" ] && echo "$md5  $dest" | md5sum --check --status; then
  echo "TissueMNIST already at $dest (md5 ok)"
  exit 0
fi
mkdir -p "$(dirname "$dest")"
tmp="$dest.part"
trap 'rm -f "$tmp"' EXIT
echo "Downloading TissueMNIST to $dest ..."
if ! curl -fsSL --connect-timeout 10 --retry 2 -o "$tmp" "$url"; then
  echo "download failed: $url" >&2
  exit 1
fi
if ! echo "$md5  $tmp" | md5sum --check --status; then
  echo "md5 mismatch for the downloaded file (expected $md5)" >&2
  exit 1
fi
mv "$tmp" "$dest"
echo "TissueMNIST saved to $dest (md5 ok)"
