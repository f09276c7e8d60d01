#!/usr/bin/env bash
# pip installs the bindings offline, as README.md documents, into a --target folder and
# into a virtual environment; each installed copy loads libkcell through KCELL_LIBRARY and
# runs a small model. The source is copied first: an in-tree pip build writes build/ and
# kcell.egg-info/ into the folder it builds.
#
# usage: pip_install_offline.sh PYTHON BINDINGS_DIR LIBKCELL_SO
set -euo pipefail
python=$1
source_dir=$2
library=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$source_dir" "$work/src"
cd "$work"  # so that no kcell/ in the current folder shadows the installed one
rm -rf "$work/src/build" "$work/src"/*.egg-info

check_installed() {  # PYTHON EXPECTED_PREFIX [PYTHONPATH]
  env -u PYTHONPATH PYTHONPATH="${3:-}" KCELL_LIBRARY="$library" PYTHONDONTWRITEBYTECODE=1 \
    "$1" - "$2" <<'PY'
import os, sys
import kcell
where = os.path.realpath(kcell.__file__)
assert where.startswith(os.path.realpath(sys.argv[1])), f"imported {where}"
assert kcell.version_number() // 10000 == kcell.HEADER_VERSION[0]
model = kcell.Model.create("flatten dense", (1, 4, 4), 2, seed=3)
probs = model.predict(bytes(range(32)), layout="nchw")
assert len(probs) == 2 and abs(float(sum(probs[0])) - 1) < 1e-5, probs
assert os.path.exists(os.path.join(os.path.dirname(where), "py.typed"))
print("installed kcell", kcell.version(), "from", where)
PY
}

# 1. Into a folder, with the system pip (PEP 668 blocks a plain system-wide install).
quiet=(--quiet --no-cache-dir --root-user-action=ignore)
"$python" -m pip install "${quiet[@]}" --no-build-isolation --no-index \
  --target "$work/target" "$work/src"
check_installed "$python" "$work/target" "$work/target"

# 2. Into a venv that sees Debian's setuptools and wheel.
rm -rf "$work/src/build" "$work/src"/*.egg-info
"$python" -m venv --system-site-packages "$work/venv"
"$work/venv/bin/pip" install "${quiet[@]}" --no-build-isolation --no-index "$work/src"
check_installed "$work/venv/bin/python" "$work/venv"

echo "pip install: target and venv both work"
