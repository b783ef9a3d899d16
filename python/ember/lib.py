"""GraphFrames' ``graphframes.lib``: :class:`Pregel` and :class:`AggregateMessages`, with SQL
expressions as text.

GraphFrames builds these programs from pyspark ``Column`` objects; Ember takes the same
expressions as SQL strings (DataFusion's dialect), and its helpers return text:
``Pregel.src("rank")`` is ``'src."rank"'``, ``Pregel.msg()`` is ``'msg'``. Programs are
compiled once and run on Ember's own Pregel engine (no join per superstep).

>>> import ember, pyarrow as pa
>>> v = pa.table({"id": [1, 2, 3], "outDegree": [1, 1, 1]})
>>> e = pa.table({"src": [1, 2, 3], "dst": [2, 3, 1]})
>>> g = ember.GraphFrame(v, e)
>>> ranks = (g.pregel.setMaxIter(5)
...     .withVertexColumn("rank", "1.0 / 3", f"coalesce({Pregel.msg()}, 0.0) * 0.85 + 0.05")
...     .sendMsgToDst(f"{Pregel.src('rank')} / {Pregel.src('outDegree')}")
...     .aggMsgs(f"sum({Pregel.msg()})")
...     .run())
>>> [round(r, 4) for r in ranks.column("rank").to_pylist()]
[0.3333, 0.3333, 0.3333]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Optional, Union

import pyarrow as pa

from . import _progress
from .errors import ConfigError

if TYPE_CHECKING:
    from .graphframe import GraphFrame


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql(expr: Any, what: str) -> str:
    if isinstance(expr, str):
        return expr
    raise ConfigError(
        f"{what}: Ember takes SQL expressions as text (e.g. \"sum(msg)\"), got {type(expr).__name__}"
    )


def _flag(value: Any, what: str) -> str:
    if not isinstance(value, bool):
        raise ConfigError(f"{what} takes True or False, got {value!r}")
    return "true" if value else "false"


class Pregel:
    """GraphFrames' Pregel builder (``g.pregel``): vertex columns with an initial and an update
    expression, messages to each edge's source or destination, an aggregate over them.

    Semantics as GraphFrames': every iteration updates every vertex (``msg`` is NULL where no
    message arrived); ``setMaxIter`` iterations (default 10) unless early stopping or no active
    vertex is left. :meth:`run` returns the vertex table, ``_pregel_is_active`` and the new
    columns. Expressions: messages over ``src.<col>``, ``dst.<col>``, ``edge.<col>``; the
    aggregate over ``msg`` (or ``_pregel_msg_``); updates over the vertex columns and ``msg``.
    Unquoted SQL names are lower-cased: quote mixed-case columns (``src."outDegree"``, as
    :meth:`src` does). A column keeps the type of its initial expression.
    """

    def __init__(self, graph: "GraphFrame") -> None:
        self._graph = graph
        self._clauses: List[str] = []
        self.last_iterations: Optional[int] = None

    def _add(self, name: str, *args: str) -> "Pregel":
        self._clauses.append(name)
        self._clauses.extend(args)
        return self

    def setMaxIter(self, value: int) -> "Pregel":
        """Iterations to run (default 10)."""
        if not isinstance(value, int) or value < 1:
            raise ConfigError(f"setMaxIter: the max iteration number must be >= 1, got {value!r}")
        return self._add("setMaxIter", str(value))

    def setCheckpointInterval(self, value: int) -> "Pregel":
        """Iterations between checkpoints of the vertex state (default 2; 0: none), written
        when :meth:`run` is given a ``checkpoint`` folder (GraphFrames writes them to Spark's
        checkpoint directory)."""
        if not isinstance(value, int) or value < 0:
            raise ConfigError(f"setCheckpointInterval: the interval must be >= 0, got {value!r}")
        return self._add("setCheckpointInterval", str(value))

    def setEarlyStopping(self, value: bool) -> "Pregel":
        """Stop at the first iteration that sends no message (before updating)."""
        return self._add("setEarlyStopping", _flag(value, "setEarlyStopping"))

    def withVertexColumn(self, colName: str, initialExpr: str, updateAfterAggMsgsExpr: str) -> "Pregel":
        """A vertex column: ``initialExpr`` over the vertex columns, ``updateAfterAggMsgsExpr``
        over them, the program's columns and ``msg``."""
        return self._add(
            "withVertexColumn",
            colName,
            _sql(initialExpr, "withVertexColumn"),
            _sql(updateAfterAggMsgsExpr, "withVertexColumn"),
        )

    def sendMsgToSrc(self, msgExpr: str) -> "Pregel":
        """A message to each edge's source (NULL: no message)."""
        return self._add("sendMsgToSrc", _sql(msgExpr, "sendMsgToSrc"))

    def sendMsgToDst(self, msgExpr: str) -> "Pregel":
        """A message to each edge's destination (NULL: no message)."""
        return self._add("sendMsgToDst", _sql(msgExpr, "sendMsgToDst"))

    def aggMsgs(self, aggExpr: str) -> "Pregel":
        """The aggregate over the messages a vertex receives, e.g. ``sum(msg)``."""
        return self._add("aggMsgs", _sql(aggExpr, "aggMsgs"))

    def setStopIfAllNonActiveVertices(self, value: bool) -> "Pregel":
        """Stop when no vertex is active after an update."""
        return self._add("setStopIfAllNonActiveVertices", _flag(value, "setStopIfAllNonActiveVertices"))

    def setInitialActiveVertexExpression(self, value: str) -> "Pregel":
        """The initial ``_pregel_is_active`` (SQL over the vertex columns; default true)."""
        return self._add("setInitialActiveVertexExpression", _sql(value, "setInitialActiveVertexExpression"))

    def setUpdateActiveVertexExpression(self, value: str) -> "Pregel":
        """``_pregel_is_active`` after each update (SQL over the vertex columns and ``msg``)."""
        return self._add("setUpdateActiveVertexExpression", _sql(value, "setUpdateActiveVertexExpression"))

    def setSkipMessagesFromNonActiveVertices(self, value: bool) -> "Pregel":
        """Inactive vertices send nothing (an edge sends when its source is active, or either
        endpoint when the messages read ``dst`` columns other than ``id``)."""
        return self._add(
            "setSkipMessagesFromNonActiveVertices", _flag(value, "setSkipMessagesFromNonActiveVertices")
        )

    def required_src_columns(self, col_name: str, *col_names: str) -> "Pregel":
        """Accepted for GraphFrames compatibility: Ember reads only the columns the message
        expressions use, without being told."""
        return self

    def required_dst_columns(self, col_name: str, *col_names: str) -> "Pregel":
        """Accepted for GraphFrames compatibility (see :meth:`required_src_columns`)."""
        return self

    def run(
        self,
        progress: Optional[bool] = None,
        checkpoint: Optional[str] = None,
        resume: bool = False,
    ) -> pa.Table:
        """Runs the program; :attr:`last_iterations` says how many iterations updated. With
        ``checkpoint`` (an existing folder) the vertex state is written there every
        :meth:`setCheckpointInterval` iterations; ``resume=True`` continues an interrupted run
        of the same program on the same graph from it (the result is the uninterrupted one)."""
        clauses = list(self._clauses)
        if checkpoint is not None:
            clauses += ["checkpoint", str(checkpoint)]
        if resume:
            clauses += ["resume", "true"]
        cb = _progress.bar("pregel", progress)
        try:
            stream, iterations = self._graph._graph.pregel(clauses, progress=cb)
        finally:
            _progress.close(cb)
        self.last_iterations = iterations
        return pa.table(stream)

    @staticmethod
    def msg() -> str:
        """The aggregated message (in aggMsgs and update expressions)."""
        return "msg"

    @staticmethod
    def src(colName: str) -> str:
        """A source vertex column in a message expression."""
        return "src." + _quote(colName)

    @staticmethod
    def dst(colName: str) -> str:
        """A destination vertex column in a message expression."""
        return "dst." + _quote(colName)

    @staticmethod
    def edge(colName: str) -> str:
        """An edge column in a message expression."""
        return "edge." + _quote(colName)


class _Side(str):
    """``AggregateMessages.src`` and friends: the text ``src``; ``src["age"]`` is
    ``'src."age"'`` (GraphFrames' ``AM.src["age"]``)."""

    def __getitem__(self, name: Any) -> str:  # type: ignore[override]
        if isinstance(name, str):
            return f"{self}.{_quote(name)}"
        return str.__getitem__(self, name)


class AggregateMessages:
    """GraphFrames' ``AggregateMessages`` references, as SQL text: ``AM.src["age"]``,
    ``AM.dst["age"]``, ``AM.edge["weight"]``, ``AM.msg``."""

    src = _Side("src")
    dst = _Side("dst")
    edge = _Side("edge")
    msg = "msg"


def aggregate_messages(
    graph: "GraphFrame",
    aggCol: Union[List[str], str],
    sendToSrc: Union[List[str], str, None],
    sendToDst: Union[List[str], str, None],
) -> pa.Table:
    clauses: List[str] = []
    for name, msgs in (("sendToSrc", sendToSrc), ("sendToDst", sendToDst)):
        if msgs is None:
            continue
        items = msgs if isinstance(msgs, list) else [msgs]
        if len(items) > 1:
            # GraphFrames sends several columns as one struct message.
            items = ["struct(" + ", ".join(_sql(m, name) for m in items) + ")"]
        clauses += [name, _sql(items[0], name)] if items else []
    for a in aggCol if isinstance(aggCol, list) else [aggCol]:
        clauses += ["agg", _sql(a, "aggCol")]
    return pa.table(graph._graph.aggregate_messages(clauses))
