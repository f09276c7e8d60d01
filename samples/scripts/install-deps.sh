#!/usr/bin/env bash
# Installs the Debian packages of the lists named as arguments (default: main):
#   main   cmake/debian-packages.txt        the build and the main job (README command 1)
#   tests  cmake/debian-packages-tests.txt  what only the tests add (README command 2)
#   ci     cmake/debian-packages-ci.txt     what only .ci/run adds
# Does nothing, in well under a second and without root, when all are installed already.
# Otherwise run as root, or with sudo available.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
lists=("$@")
if [ ${#lists[@]} -eq 0 ]; then lists=(main); fi
packages=()
for list in "${lists[@]}"; do
  case $list in
    main) file=$top/cmake/debian-packages.txt ;;
    tests) file=$top/cmake/debian-packages-tests.txt ;;
    ci) file=$top/cmake/debian-packages-ci.txt ;;
    *) echo "install-deps.sh: unknown list '$list' (main, tests or ci)" >&2; exit 2 ;;
  esac
  mapfile -t -O "${#packages[@]}" packages < <(grep -v '^[[:space:]]*#' "$file" | grep -v '^[[:space:]]*$')
done

# One dpkg-query for all: it prints the installed ones, and nothing for unknown names.
mapfile -t installed < <(dpkg-query -W -f='${db:Status-Status} ${Package}\n' "${packages[@]}" \
  2>/dev/null | sed -n 's/^installed //p')
missing=()
for package in "${packages[@]}"; do
  case " ${installed[*]} " in *" $package "*) ;; *) missing+=("$package") ;; esac
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps.sh: the ${#packages[@]} packages of ${lists[*]} are installed"
  exit 0
fi

echo "install-deps.sh: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
