"""Ember's exceptions.

Every error Ember raises is an :class:`EmberError`; each class also derives from the built-in a
Python caller would catch for that kind of fault, so ``except ValueError`` still works:

- :class:`InputError` (``ValueError``): the data is wrong. ``path`` and ``line`` are set when
  the error is at a line of a file (``edges.csv:12: ...``).
- :class:`SqlError` (``ValueError``): a SQL statement is wrong; ``line`` and ``column`` give the
  position when known.
- :class:`ConfigError` (``ValueError``): a parameter or setting is wrong (unknown algorithm,
  out-of-range value, ...).
- :class:`PatternError` (``ValueError``): a motif pattern is malformed; ``column`` gives the
  position in the pattern (1-based).
- :class:`EmberIOError` (``OSError``): the operating system refused (missing file, full disk);
  ``path`` names the file.
- :class:`EmberMemoryError` (``MemoryError``): a query went over its memory limit.
- :class:`EmberClusterError` (``ConnectionError``): a run across processes lost a peer or
  could not reach one; the message names the process.
- :class:`Cancelled`: the job was cancelled (Ctrl-C raises ``KeyboardInterrupt`` instead).
- :class:`InternalError` (``RuntimeError``): a bug in Ember; please report it.
"""

from __future__ import annotations

from typing import Optional


class EmberError(Exception):
    """Base class of Ember's exceptions."""

    path: Optional[str] = None
    line: Optional[int] = None
    column: Optional[int] = None


class InputError(EmberError, ValueError):
    """The input data is wrong (a file's line, a table's row or column)."""


class SqlError(EmberError, ValueError):
    """A SQL statement is wrong; ``line``/``column`` give the position when known."""


class ConfigError(EmberError, ValueError):
    """A parameter or setting is wrong."""


class PatternError(EmberError, ValueError):
    """A motif pattern is malformed at ``column`` (1-based, in characters)."""


class EmberIOError(EmberError, OSError):
    """An operating-system error on a named file (``path``)."""

    errno: Optional[int] = None


class EmberMemoryError(EmberError, MemoryError):
    """A query exceeded its memory limit."""


class EmberClusterError(EmberError, ConnectionError):
    """A run across processes failed: a peer exited, was unreachable or broke a connection."""


class Cancelled(EmberError):
    """The job was cancelled."""


class InternalError(EmberError, RuntimeError):
    """A broken invariant: a bug in Ember."""


__all__ = [
    "EmberError",
    "InputError",
    "SqlError",
    "ConfigError",
    "PatternError",
    "EmberIOError",
    "EmberMemoryError",
    "EmberClusterError",
    "Cancelled",
    "InternalError",
]
