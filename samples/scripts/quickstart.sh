#!/usr/bin/env bash
# The main job: install dependencies, build kcell, get TissueMNIST (or, without network,
# use Debian's Fashion-MNIST) and train a classifier with kcell's defaults (docs/cli.md:
# about 13 minutes on TissueMNIST on 2 cores), ending with a test-set report. The model
# and an HTML report go to runs/quickstart/. Extra arguments go to `kcell train`.
# KCELL_BUILD_DIR chooses the build folder (default build/, which only this script
# configures; tests/run.sh builds in build-tests/).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
build=${KCELL_BUILD_DIR:-build}

bash samples/scripts/install-deps.sh main
# Tests off: their packages (cmake/debian-packages-tests.txt) are not needed here.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DKCELL_BUILD_TESTS=OFF \
  -DKCELL_BUILD_TOOLS=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target kcell_cli

data=data/tissuemnist.npz
settings=()
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
if ! bash samples/scripts/fetch-tissuemnist.sh "$data" 2>"$errors"; then
  data=/usr/share/datasets/fashion-mnist
  echo "TissueMNIST is not available ($(tail -n 1 "$errors")): training on Debian's Fashion-MNIST ($data) instead."
  # Clothes have an up and a down: only left-right flips (0.930 test accuracy, not 0.896).
  case " $* " in *" --augment"*) ;; *) settings=(--augment hflip) ;; esac
fi
mkdir -p runs/quickstart
"$build/tools/kcell/kcell" train --data "$data" --out runs/quickstart/model.kcell \
  --report runs/quickstart "${settings[@]}" "$@"
echo "open runs/quickstart/report.html for the learning curves, confusion matrix and per-class recall"
