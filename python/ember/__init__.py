"""Ember: graph processing for PySpark users, in Rust, over Apache Arrow.

GraphFrames' API (:class:`GraphFrame`: ``pageRank``, ``connectedComponents``,
``shortestPaths``, ``labelPropagation``, ``triangleCount``, degrees, triplets, ...) on tables
from pyarrow, pandas, polars or DataFusion (taken without copying through the Arrow PyCapsule
interface) or files; results are ``pyarrow.Table`` (``.to_pandas()`` away). SQL with Ember's
graph table functions through :func:`sql` and :class:`Session`.

>>> import ember, pyarrow as pa
>>> e = pa.table({"src": [1, 2, 3], "dst": [2, 3, 1]})
>>> g = ember.GraphFrame(None, e)
>>> g.connectedComponents().column_names
['id', 'component']
>>> ember.sql("SELECT count(*) AS n FROM wcc('', 'e')", e=e).to_pylist()
[{'n': 3}]

Long jobs release the GIL, show a progress bar when tqdm is installed
(:func:`set_progress`), and stop on Ctrl-C with ``KeyboardInterrupt``. Errors are
:class:`ember.errors.EmberError` subclasses naming the file and line or SQL position.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List

import pyarrow as pa

from . import _ember
from ._progress import set_progress
from .errors import (
    Cancelled,
    ConfigError,
    PatternError,
    EmberClusterError,
    EmberError,
    EmberIOError,
    EmberMemoryError,
    InputError,
    InternalError,
    SqlError,
)
from .graphframe import GraphFrame, as_arrow
from .lib import AggregateMessages, Pregel

__version__ = _ember.__version__


class Session:
    """A SQL session: DataFusion's SQL with Ember's graph table functions
    (``pagerank('vertices', 'edges', ...)``, ``wcc``, ``sssp``, ...; see
    :func:`algorithms`). Tables stay registered between queries.

    >>> s = ember.Session()
    >>> s.register("e", pa.table({"src": [1, 2], "dst": [2, 3]}))
    >>> s.sql("SELECT id, component FROM wcc('', 'e') ORDER BY id").to_pylist()[0]
    {'id': 1, 'component': 1}
    """

    def __init__(self) -> None:
        self._s = _ember.Session()

    def register(self, name: str, table: Any) -> None:
        """Registers ``table`` as ``name``: a table (pyarrow, pandas, polars, a DataFusion
        DataFrame: anything with ``__arrow_c_stream__``, taken without copying), a
        :class:`GraphFrame` (registered as ``name_vertices`` and ``name_edges``), or a path to
        a CSV/TSV, Parquet or JSON file (compressed, a folder of part files or a glob)."""
        if isinstance(table, GraphFrame):
            self._s.register_arrow(f"{name}_vertices", table.vertices)
            self._s.register_arrow(f"{name}_edges", table.edges)
        elif isinstance(table, (str, os.PathLike)):
            self._s.register_file(name, os.fspath(table))
        else:
            self._s.register_arrow(name, as_arrow(table, f"table '{name}'"))

    def tables(self) -> List[str]:
        """The registered tables and views, sorted."""
        return self._s.tables()

    def sql(self, query: str, *, stream: bool = False) -> Any:
        """Runs a SQL statement (or a script: statements separated by ``;``, each taking effect
        before the next, as ``CREATE VIEW``) and returns the last one's result as a
        ``pyarrow.Table``; with
        ``stream=True``, a ``pyarrow.RecordBatchReader`` that computes batches as they are read
        (for results larger than memory). Syntax and planning errors raise :class:`SqlError`
        with ``line`` and ``column``."""
        if stream:
            return pa.RecordBatchReader.from_stream(self._s.sql_stream(query))
        return pa.table(self._s.sql(query))


def sql(query: str, *, stream: bool = False, **tables: Any) -> Any:
    """Runs one SQL statement over the given tables (keyword = table name; values as for
    :meth:`Session.register`) and returns the result as a ``pyarrow.Table``.

    >>> e = pa.table({"src": [1, 2, 3], "dst": [2, 3, 1]})
    >>> ember.sql("SELECT count(*) AS n FROM pagerank('', 'e', 10)", e=e).to_pylist()
    [{'n': 3}]
    """
    s = Session()
    for name, t in tables.items():
        s.register(name, t)
    return s.sql(query, stream=stream)


def algorithms() -> List[Dict[str, Any]]:
    """Ember's algorithms as its registry lists them: name, summary, parameters (name, type,
    range, default, doc), output columns and engines. The same list drives the CLI, SQL and
    the notebook."""
    return _ember.registry()["algorithms"]


def settings() -> List[Dict[str, Any]]:
    """The job settings every algorithm takes (``engine``, ``partitions``, ``strategy``,
    ``checkpoint``, ...), as keyword arguments of :meth:`GraphFrame.run` and the algorithms."""
    graph = ("directed", "src_column", "dst_column", "weight_column")  # set when a graph is built
    return [s for s in _ember.registry()["settings"] if s["name"] not in graph]


def functions() -> str:
    """The reference of Ember's SQL graph functions and settings (``ember sql --functions``)."""
    return _ember.reference()


__all__ = [
    "GraphFrame",
    "Pregel",
    "AggregateMessages",
    "Session",
    "sql",
    "algorithms",
    "settings",
    "functions",
    "set_progress",
    "EmberError",
    "InputError",
    "SqlError",
    "ConfigError",
    "PatternError",
    "EmberIOError",
    "EmberClusterError",
    "EmberMemoryError",
    "Cancelled",
    "InternalError",
    "__version__",
]
