"""Statuses and exceptions: every failed C call becomes a :class:`KcellError`."""
from __future__ import annotations

import enum
from typing import Dict, Type, Union


class Status(enum.IntEnum):
    """Mirror of ``kcell_status``: the numbers are part of the ABI and never change."""

    OK = 0
    INVALID_ARGUMENT = 1
    IO = 2
    FORMAT = 3
    OUT_OF_MEMORY = 4
    LIMIT = 5
    BUFFER_TOO_SMALL = 6
    UNSUPPORTED = 7
    CANCELLED = 8
    NOT_FINITE = 9
    SPEC = 10
    INTERNAL = 11
    BUSY = 12
    COMMUNICATION = 13


def status_of(value: int) -> Union[Status, int]:
    """The :class:`Status` for ``value``, or the bare number for one a newer library added."""
    try:
        return Status(value)
    except ValueError:
        return int(value)


class KcellError(Exception):
    """A kcell call failed.

    Attributes:
        status:   The :class:`Status` the C function returned (a plain ``int`` for a status
                  newer than these bindings).
        message:  ``kcell_last_error()`` right after the failure, or the binding's own
                  explanation for a check made before calling C.
        function: The C function that failed, or ``None`` for a check made in Python.
    """

    status: Union[Status, int] = Status.INTERNAL

    def __init__(self, status: Union[Status, int], message: str,
                 function: Union[str, None] = None) -> None:
        super().__init__(message)
        self.status = status_of(int(status))
        self.message = message
        self.function = function

    def __str__(self) -> str:
        name = self.status.name if isinstance(self.status, Status) else str(self.status)
        where = f"{self.function}: " if self.function else ""
        return f"{where}{self.message} [{name}]"

    def __reduce__(self):  # keeps the exception picklable (multiprocessing)
        return (error_for, (int(self.status), self.message, self.function))


class InvalidArgumentError(KcellError, ValueError):
    """``KCELL_ERROR_INVALID_ARGUMENT``: a bad value, shape, handle or closed object."""


class KcellIOError(KcellError, OSError):
    """``KCELL_ERROR_IO``: a file could not be opened, read or written."""


class FormatError(KcellError):
    """``KCELL_ERROR_FORMAT``: a file or buffer is malformed or unsupported."""


class KcellMemoryError(KcellError, MemoryError):
    """``KCELL_ERROR_OUT_OF_MEMORY``: an allocation failed."""


class LimitError(KcellError):
    """``KCELL_ERROR_LIMIT``: a declared size exceeds a limit."""


class BufferTooSmallError(KcellError):
    """``KCELL_ERROR_BUFFER_TOO_SMALL``: a buffer's capacity is too small."""


class UnsupportedError(KcellError):
    """``KCELL_ERROR_UNSUPPORTED``: valid, but this library or CPU cannot do it."""


class CancelledError(KcellError):
    """``KCELL_ERROR_CANCELLED``: the progress callback asked training to stop."""


class NotFiniteError(KcellError):
    """``KCELL_ERROR_NOT_FINITE``: training produced NaN or infinity."""


class SpecError(KcellError):
    """``KCELL_ERROR_SPEC``: an architecture spec could not be parsed."""


class InternalError(KcellError):
    """``KCELL_ERROR_INTERNAL``: a bug in kcell or its dependencies."""


class BusyError(KcellError):
    """``KCELL_ERROR_BUSY``: the model is being trained (a nested ``train()`` or a
    ``predict()`` from a progress callback, or from another thread)."""


class CommunicationError(KcellError):
    """``KCELL_ERROR_COMMUNICATION``: a data-parallel run's communicator failed, or its
    ranks disagree (other data or settings)."""


ERROR_CLASSES: Dict[Status, Type[KcellError]] = {
    Status.INVALID_ARGUMENT: InvalidArgumentError,
    Status.IO: KcellIOError,
    Status.FORMAT: FormatError,
    Status.OUT_OF_MEMORY: KcellMemoryError,
    Status.LIMIT: LimitError,
    Status.BUFFER_TOO_SMALL: BufferTooSmallError,
    Status.UNSUPPORTED: UnsupportedError,
    Status.CANCELLED: CancelledError,
    Status.NOT_FINITE: NotFiniteError,
    Status.SPEC: SpecError,
    Status.INTERNAL: InternalError,
    Status.BUSY: BusyError,
    Status.COMMUNICATION: CommunicationError,
}


def error_for(status: int, message: str, function: Union[str, None] = None) -> KcellError:
    """The exception for ``status``: its subclass, or :class:`KcellError` for an unknown one."""
    cls = ERROR_CLASSES.get(status_of(status), KcellError)  # type: ignore[arg-type]
    return cls(status, message, function)


def invalid_argument(message: str) -> InvalidArgumentError:
    """An error for a check the bindings make before calling C (shapes, closed handles)."""
    return InvalidArgumentError(Status.INVALID_ARGUMENT, message)
