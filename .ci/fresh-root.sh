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
ci_label="fresh root"
# shellcheck source=.ci/chroot.sh
source "$top/.ci/chroot.sh"
commit=$(git -C "$top" rev-parse HEAD)
if [ -n "$(git -C "$top" status --porcelain --untracked-files=no)" ]; then
  echo "fresh-root.sh: note: uncommitted changes in $top are not tested, only $commit"
fi
make_root "${1:-$(mktemp -d /var/tmp/kcell-fresh-root.XXXXXX)}"
git clone --quiet --no-checkout "$top" "$ci_root/src/kcell"
git -C "$ci_root/src/kcell" checkout --quiet --detach "$commit"

t=$(date +%s)
in_root "cd /src/kcell && bash samples/scripts/quickstart.sh --epochs 1"
test -s "$ci_root/src/kcell/runs/quickstart/model.kcell"
test -s "$ci_root/src/kcell/runs/quickstart/report.html"
elapsed "README command 1 (quickstart --epochs 1)" "$t"

t=$(date +%s)
log=$ci_root/src/kcell/tests-run.log
status=0
in_root "cd /src/kcell && bash tests/run.sh" 2>&1 | tee "$log" || status=$?
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
