"""The base of every object that owns a C handle: freed exactly once, by close(), by the
end of a ``with`` block or by the garbage collector, whichever comes first."""
from __future__ import annotations

import ctypes
import weakref
from ctypes import byref, c_size_t
from typing import Any, Callable, Optional, TypeVar

from ._errors import BufferTooSmallError, invalid_argument

T = TypeVar("T", bound="Handle")


class Handle:
    """Owns one C handle and the ``*_free`` function that releases it."""

    _kind = "handle"  # word used in messages ("model", "dataset", "history")

    def __init__(self, raw: Any, free: Callable[[Any], None]) -> None:
        if not raw:
            raise invalid_argument(f"a {self._kind} handle is NULL")
        self._raw: Optional[Any] = raw
        # weakref.finalize runs free(raw) once: on close(), when the object is collected, or
        # at interpreter exit. It keeps no reference to self, so it does not delay collection.
        self._finalizer = weakref.finalize(self, free, raw)

    def _handle(self) -> Any:
        """The C pointer; raises InvalidArgumentError once closed."""
        if self._raw is None:
            raise invalid_argument(f"this {self._kind} is closed")
        return self._raw

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has released the handle."""
        return self._raw is None

    def close(self) -> None:
        """Releases the C handle now. Closing twice is harmless; using it after raises."""
        self._raw = None
        self._finalizer()

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def read_text(function: Callable[..., Any], *args: Any) -> str:
    """Calls a kcell function that copies NUL-terminated text into a caller buffer, growing
    the buffer to the size the library reports as needed."""
    capacity = 256
    while True:
        buffer = ctypes.create_string_buffer(capacity)
        needed = c_size_t(0)
        try:
            function(*args, buffer, capacity, byref(needed))
        except BufferTooSmallError:
            if needed.value <= capacity:
                raise
            capacity = needed.value
            continue
        return buffer.value.decode("utf-8")
