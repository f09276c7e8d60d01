# shellcheck shell=bash
# Sourced by the CI steps that work in a brand-new Debian 12 root (.ci/fresh-root.sh,
# .ci/debian-package.sh): making the root, mounting into it, running in it with a clean
# environment, and removing it at exit. The caller sets `ci_label` (its log prefix) first.
# Needs root (mmdebstrap, mount, chroot).
: "${ci_label:?set ci_label before sourcing .ci/chroot.sh}"

if [ "$(id -u)" -ne 0 ]; then
  echo "$ci_label: needs root (mmdebstrap, mount, chroot)" >&2
  exit 1
fi

ci_root=""
ci_mounts=()

# elapsed WHAT START: logs how long WHAT took since START (seconds since the epoch).
elapsed() { echo "$ci_label: $1 took $(( $(date +%s) - $2 )) s"; }

# Unmounts in reverse order, then removes the root unless KCELL_KEEP_ROOT=1 and only when
# nothing is mounted below it any more (never deletes through a live /dev or /proc).
ci_cleanup() {
  local i
  for (( i=${#ci_mounts[@]}-1; i>=0; i-- )); do
    umount -R "${ci_mounts[i]}" || umount -R -l "${ci_mounts[i]}" || true
  done
  if [ -n "$ci_root" ] && [ "${KCELL_KEEP_ROOT:-0}" != 1 ] && [ -d "$ci_root" ] &&
     ! findmnt -rn -o TARGET | grep -q "^$ci_root/"; then
    rm -rf --one-file-system "$ci_root"
  fi
}
trap ci_cleanup EXIT
trap "exit 130" INT TERM

# make_root ROOT [MMDEBSTRAP_OPTION...]: a fresh bookworm root (variant apt) at ROOT, with
# the host's resolver and /proc, /sys and /dev mounted.
make_root() {
  local t fs
  ci_root=$(realpath -m "$1")
  shift
  t=$(date +%s)
  mmdebstrap --variant=apt --quiet "$@" bookworm "$ci_root"
  elapsed "mmdebstrap" "$t"
  cp /etc/resolv.conf "$ci_root/etc/resolv.conf"
  for fs in proc sys dev; do
    case $fs in
      proc) mount -t proc proc "$ci_root/proc" ;;
      sys) mount -t sysfs sysfs "$ci_root/sys" ;;
      dev) mount --rbind /dev "$ci_root/dev" && mount --make-rslave "$ci_root/dev" ;;
    esac
    ci_mounts+=("$ci_root/$fs")
  done
}

# in_root COMMAND: runs COMMAND (bash -euo pipefail) in the root with the clean environment
# a new user's root shell has.
in_root() {
  chroot "$ci_root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/bash -euo pipefail -c "$1"
}
