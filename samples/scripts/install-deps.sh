#!/usr/bin/env bash
# Installs the Debian packages kcell needs (listed in cmake/debian-packages.txt).
# Run as root, or with sudo available.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
mapfile -t packages < <(grep -v '^#' "$top/cmake/debian-packages.txt" | grep -v '^$')
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}"
