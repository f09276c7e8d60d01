#!/usr/bin/env bash
# CI step: the Debian packages. Builds the library and the program (Release, no tests,
# prefix /usr so the library goes to Debian's multiarch libdir), makes libkcell-dev and
# kcell with `cpack -G DEB`, installs both with apt into a brand-new Debian 12 root
# (mmdebstrap, as .ci/fresh-root.sh), and there builds and runs tests/consumer against the
# installed package (find_package and pkg-config, static and shared) and runs the installed
# program. Fails if a package misses a file or a dependency. Needs root.
# usage: .ci/debian-package.sh [BUILD_DIR]   (default build-deb; KCELL_KEEP_ROOT=1 keeps the root)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$top/build-deb}")
ci_label="debian package"
# shellcheck source=.ci/chroot.sh
source "$top/.ci/chroot.sh"

t=$(date +%s)
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DKCELL_BUILD_TESTS=OFF -DKCELL_BUILD_SAMPLES=OFF "${launcher[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)"
rm -f "$build"/*.deb
(cd "$build" && cpack -G DEB >/dev/null)
mapfile -t debs < <(ls "$build"/*.deb)
elapsed "build and cpack" "$t"
for deb in "${debs[@]}"; do
  echo "== $(basename "$deb")"
  dpkg-deb --field "$deb" Package Version Depends
  dpkg-deb --contents "$deb" | awk '{print "   " $6}' | grep -v '/$'
done
dev=$(ls "$build"/libkcell-dev_*.deb)
program=$(ls "$build"/kcell_*.deb)
# The files each package must hold.
for path in ./usr/include/kcell/kcell.h ./usr/include/kcell/kcell.hpp ./usr/include/kcell/version.h \
    '/libkcell\.a$' '/libkcell\.so' '/cmake/kcell/kcellConfig\.cmake$' '/pkgconfig/kcell\.pc$'; do
  dpkg-deb --contents "$dev" | awk '{print $6}' | grep -q -- "$path" ||
    { echo "debian package: libkcell-dev lacks $path" >&2; exit 1; }
done
dpkg-deb --contents "$program" | awk '{print $6}' | grep -qx './usr/bin/kcell' ||
  { echo "debian package: kcell lacks /usr/bin/kcell" >&2; exit 1; }

# Only what a user building against the package brings: a compiler, CMake, pkg-config.
make_root "$(mktemp -d /var/tmp/kcell-deb-root.XXXXXX)" --include=build-essential,cmake,pkg-config
mkdir -p "$ci_root/pkg" "$ci_root/consumer"
cp "$dev" "$program" "$ci_root/pkg/"
cp "$top"/tests/consumer/CMakeLists.txt "$top"/tests/consumer/main.c "$ci_root/consumer/"
cp "$top"/tests/fixtures/data/medmnist_compressed.npz "$ci_root/pkg/"
t=$(date +%s)
# mmdebstrap removes the package lists it used; apt needs them for the dependencies.
in_root "apt-get update -qq && apt-get install -y -qq --no-install-recommends /pkg/$(basename "$dev") /pkg/$(basename "$program") >/dev/null"
elapsed "apt-get install of the two packages" "$t"

t=$(date +%s)
# shellcheck disable=SC2016  # expanded inside the root, not here
in_root '
  cd /consumer
  cmake -S . -B build >/dev/null
  cmake --build build >/dev/null
  ./build/consumer_static
  test -x build/consumer_shared
  ./build/consumer_shared
  cc -std=c99 main.c -o consumer_pc $(pkg-config --cflags --libs kcell)
  ./consumer_pc
  test "$(pkg-config --modversion kcell)" = "'"$(sed -n 's/^project(kcell VERSION \([0-9.]*\).*/\1/p' "$top/CMakeLists.txt")"'"
  kcell --version
  kcell info /pkg/medmnist_compressed.npz | grep -Eq "train +12 images"
  kcell train --data /pkg/medmnist_compressed.npz --epochs 1 --threads 1 --quiet --out /tmp/m.kcell
  test -s /tmp/m.kcell
'
elapsed "consumer project and program" "$t"
echo "debian package: libkcell-dev and kcell install into a fresh Debian 12; the consumer builds (CMake, pkg-config) and runs"
