"""Writing output files by the library's rules (``kcell_write_file``, ``kcell_check_output``):
atomic replacement, no devices, FIFOs or links as targets, the old file's mode kept, and
no output that is also an input."""
from __future__ import annotations

import os
from ctypes import c_char_p, c_void_p, cast
from typing import Iterable, Union

from ._library import check_argument, lib

PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]


def write_file(path: PathLike, data: bytes) -> None:
    """Writes ``data`` to ``path`` atomically: the previous file stays whole if this fails.
    Raises ``KcellIOError`` naming the path and the reason."""
    payload = bytes(data)
    buffer = c_char_p(payload)
    lib().kcell_write_file(os.fsencode(path), cast(buffer, c_void_p), len(payload))


def check_output(path: PathLike, inputs: Iterable[PathLike] = ()) -> None:
    """Checks, before any work, that ``path`` can be written and names none of ``inputs``.
    Raises ``KcellIOError`` (folder missing or not writable, name too long, not a regular
    file) or ``InvalidArgumentError`` (the output is an input)."""
    names = [os.fsencode(p) for p in inputs]
    for name in names:
        check_argument(name, c_char_p, "an input path")
    array = (c_char_p * len(names))(*names) if names else None
    lib().kcell_check_output(os.fsencode(path), array, len(names))
