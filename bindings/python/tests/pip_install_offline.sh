#!/usr/bin/env bash
# pip installs the bindings offline, as README.md documents, into a --target folder and
# into a virtual environment; each installed copy loads libkcell through KCELL_LIBRARY and
# runs a small model. The source is copied first: an in-tree pip build writes build/ and
# kcell.egg-info/ into the folder it builds. The installed package's version (metadata and
# kcell.__version__) is the library's: once read from the repository's CMakeLists.txt (a
# copy laid out as a clone), once from the library KCELL_LIBRARY names (a lone copy).
#
# usage: pip_install_offline.sh PYTHON BINDINGS_DIR LIBKCELL_SO
set -euo pipefail
python=$1
source_dir=$2
library=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$source_dir" "$work/src"
mkdir -p "$work/clone/bindings"
cp -r "$source_dir" "$work/clone/bindings/python"
cp "$source_dir/../../CMakeLists.txt" "$work/clone/CMakeLists.txt"
cd "$work"  # so that no kcell/ in the current folder shadows the installed one
rm -rf "$work/src/build" "$work/src"/*.egg-info "$work/clone/bindings/python/build" \
  "$work/clone/bindings/python"/*.egg-info

check_installed() {  # PYTHON EXPECTED_PREFIX [PYTHONPATH]
  env -u PYTHONPATH PYTHONPATH="${3:-}" KCELL_LIBRARY="$library" PYTHONDONTWRITEBYTECODE=1 \
    "$1" - "$2" <<'PY'
import os, sys
import kcell
where = os.path.realpath(kcell.__file__)
assert where.startswith(os.path.realpath(sys.argv[1])), f"imported {where}"
assert kcell.version_number() // 10000 == kcell.ABI_MAJOR
from importlib.metadata import metadata
installed = metadata("kcell")
assert installed["Version"] == kcell.version() == kcell.__version__, (installed["Version"],
                                                                      kcell.version())
assert installed["License"] == "Apache-2.0", installed["License"]
model = kcell.Model.create("flatten dense", (1, 4, 4), 2, seed=3)
probs = model.predict(bytes(range(32)), layout="nchw")
assert len(probs) == 2 and abs(float(sum(probs[0])) - 1) < 1e-5, probs
assert os.path.exists(os.path.join(os.path.dirname(where), "py.typed"))
print("installed kcell", kcell.version(), "from", where)
PY
}

# 1. Into a folder, with the system pip (PEP 668 blocks a plain system-wide install).
quiet=(--quiet --no-cache-dir --root-user-action=ignore)
KCELL_LIBRARY="$library" "$python" -m pip install "${quiet[@]}" --no-build-isolation \
  --no-index --target "$work/target" "$work/src"
check_installed "$python" "$work/target" "$work/target"

# 2. Into a venv that sees Debian's setuptools and wheel.
"$python" -m venv --system-site-packages "$work/venv"
env -u KCELL_LIBRARY "$work/venv/bin/pip" install "${quiet[@]}" --no-build-isolation \
  --no-index "$work/clone/bindings/python"
check_installed "$work/venv/bin/python" "$work/venv"

echo "pip install: target and venv both work"
