#!/usr/bin/env bash
# CI step: the README's two commands on a brand-new Debian 12. Makes a fresh root with
# mmdebstrap (variant apt, its default mirror), clones the commit under test into it, and
# runs inside it (chroot, with /proc, /sys and /dev mounted) README command 1 with
# `--epochs 1`, then README command 2. Fails when either fails, when command 2 ran no test,
# or when it skipped one (every test skips only for a missing package). Needs root.
# usage: .ci/fresh-root.sh [ROOT]   (ROOT: an absent or empty folder; default a new one
#        under /var/tmp, removed at the end unless KCELL_KEEP_ROOT=1)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
  echo "fresh-root.sh: needs root (mmdebstrap, mount, chroot)" >&2
  exit 1
fi
root=${1:-$(mktemp -d /var/tmp/kcell-fresh-root.XXXXXX)}
root=$(realpath -m "$root")
commit=$(git -C "$top" rev-parse HEAD)
if [ -n "$(git -C "$top" status --porcelain --untracked-files=no)" ]; then
  echo "fresh-root.sh: note: uncommitted changes in $top are not tested, only $commit"
fi

mounts=()
cleanup() {
  local i
  for (( i=${#mounts[@]}-1; i>=0; i-- )); do
    umount -R "${mounts[i]}" || umount -R -l "${mounts[i]}" || true
  done
  # Remove the root only when nothing is mounted below it any more.
  if [ "${KCELL_KEEP_ROOT:-0}" != 1 ] && [ -d "$root" ] && \
     ! findmnt -rn -o TARGET | grep -q "^$root/"; then
    rm -rf --one-file-system "$root"
  fi
}
trap cleanup EXIT
trap "exit 130" INT TERM

elapsed() { echo "fresh root: $1 took $(( $(date +%s) - $2 )) s"; }

t=$(date +%s)
mmdebstrap --variant=apt --quiet bookworm "$root"
elapsed "mmdebstrap" "$t"

git clone --quiet --no-checkout "$top" "$root/src/kcell"
git -C "$root/src/kcell" checkout --quiet --detach "$commit"
cp /etc/resolv.conf "$root/etc/resolv.conf"
for fs in proc sys dev; do
  case $fs in
    proc) mount -t proc proc "$root/proc" ;;
    sys) mount -t sysfs sysfs "$root/sys" ;;
    dev) mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev" ;;
  esac
  mounts+=("$root/$fs")
done

# A clean environment, as a new user's root shell would have.
in_root() {
  chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /bin/bash -c "cd /src/kcell && $1"
}

t=$(date +%s)
in_root "bash samples/scripts/quickstart.sh --epochs 1"
test -s "$root/src/kcell/runs/quickstart/model.kcell"
test -s "$root/src/kcell/runs/quickstart/report.html"
elapsed "README command 1 (quickstart --epochs 1)" "$t"

t=$(date +%s)
log=$root/src/kcell/tests-run.log
status=0
in_root "bash tests/run.sh" 2>&1 | tee "$log" || status=$?
elapsed "README command 2 (tests/run.sh)" "$t"
if [ "$status" -ne 0 ]; then
  echo "fresh root: README command 2 failed (exit $status)" >&2
  exit 1
fi
summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1 || true)
total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<< "$summary")
if [ -z "$summary" ] || [ "$total" -eq 0 ]; then
  echo "fresh root: README command 2 ran no test" >&2
  exit 1
fi
if grep -q '(Skipped)' "$log"; then
  echo "fresh root: README command 2 skipped tests (a package missing from cmake/debian-packages*.txt?):" >&2
  grep '(Skipped)' "$log" >&2
  exit 1
fi
echo "fresh root: both README commands work on a brand-new Debian 12 ($summary)"
