#!/usr/bin/env bash
# The main job: install dependencies, build kcell, get TissueMNIST (or, without network,
# use Debian's Fashion-MNIST) and train a classifier with kcell's defaults, ending with a
# test-set report. Extra arguments go to `kcell train`.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

bash samples/scripts/install-deps.sh
cmake -S . -B build -DKCELL_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target kcell_cli

data=data/tissuemnist.npz
if ! bash samples/scripts/fetch-tissuemnist.sh "$data"; then
  data=/usr/share/datasets/fashion-mnist
  echo "TissueMNIST is not at data/tissuemnist.npz and could not be downloaded: training on Fashion-MNIST ($data) instead."
fi
build/samples/cli/kcell train --data "$data" "$@"
