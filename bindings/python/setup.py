"""The package's version is the library's, set once in project(kcell VERSION ...) of the
repository's CMakeLists.txt (pyproject.toml declares it dynamic). Read from there when
installing from a clone (``pip install bindings/python``); elsewhere from the libkcell.so
that ``KCELL_LIBRARY`` names (``kcell_version()``), the library the package will load.
Everything else is in pyproject.toml."""
import ctypes
import os
import re

from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))


def version() -> str:
    cmake = os.path.join(HERE, os.pardir, os.pardir, "CMakeLists.txt")
    if os.path.exists(cmake):
        with open(cmake, encoding="utf-8") as f:
            found = re.search(r"project\(kcell\s+VERSION\s+(\d+\.\d+\.\d+)", f.read())
        if found:
            return found.group(1)
    library = os.environ.get("KCELL_LIBRARY")
    if library:
        cdll = ctypes.CDLL(library)
        cdll.kcell_version.restype = ctypes.c_char_p
        return cdll.kcell_version().decode("ascii")
    raise SystemExit("kcell: cannot tell the version: install from a clone of the repository "
                     "(pip install bindings/python) or set KCELL_LIBRARY to the libkcell.so "
                     "the package will use")


setup(version=version())
