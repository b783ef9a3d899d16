"""``GraphFrame``: GraphFrames' Python API over Ember's engine.

Names, parameters, defaults and output columns follow GraphFrames 0.12 (``graphframes-py``);
tables are ``pyarrow.Table`` instead of Spark DataFrames (``.to_pandas()`` is a call away).
Where Ember's numbers or types differ from GraphFrames', the method's docstring says so.
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple, Union

import pyarrow as pa
import pyarrow.compute as pc

from . import _ember, _progress
from .errors import ConfigError

if TYPE_CHECKING:
    from .lib import Pregel

TableLike = Any
"""Anything with ``__arrow_c_stream__`` (pyarrow, pandas >= 2.2, polars, DataFusion), a dict of
columns, or a path to a CSV/Parquet/JSON file."""

# Job settings that are properties of the graph, set when it is built.
_GRAPH_SETTINGS = {"directed", "src_column", "dst_column", "weight_column"}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set)):
        return ",".join(str(v) for v in value)
    return str(value)


def _is_path(obj: Any) -> bool:
    return isinstance(obj, (str, os.PathLike))


def as_arrow(obj: TableLike, what: str) -> Any:
    """An object exporting ``__arrow_c_stream__`` for ``obj`` (no copy when it already does)."""
    if hasattr(obj, "__arrow_c_stream__"):
        return obj
    if _is_path(obj):
        session = _ember.Session()
        session.register_file("t", os.fspath(obj))
        return pa.table(session.sql("SELECT * FROM t"))
    if isinstance(obj, dict):
        return pa.table(obj)
    if hasattr(obj, "__arrow_c_array__"):
        return pa.table(obj)
    try:  # pandas before 2.2 has no __arrow_c_stream__
        import pandas as pd

        if isinstance(obj, pd.DataFrame):
            return pa.Table.from_pandas(obj, preserve_index=False)
    except ImportError:
        pass
    raise TypeError(
        f"{what}: expected a table (pyarrow, pandas, polars, a DataFusion DataFrame, a dict of "
        f"columns) or a file path, got {type(obj).__name__}"
    )


def _run_job(fn: Any, desc: str, progress: Optional[bool], *args: Any, **kwargs: Any) -> Any:
    cb = _progress.bar(desc, progress)
    try:
        return fn(*args, progress=cb, **kwargs)
    finally:
        _progress.close(cb)


class GraphFrame:
    """A graph of a vertex table (column ``id``) and an edge table (columns ``src``, ``dst``).

    :param v: the vertices: a pyarrow/pandas/polars/DataFusion table with a unique ``id`` column
              (integers or strings) and any attributes, a path to a CSV/Parquet/JSON file, or
              ``None`` (the edges' endpoints are the vertices).
    :param e: the edges: a table with ``src`` and ``dst`` columns and any attributes, or a path.
    :param directed: ``False`` reads every edge both ways.
    :param simple: drop self-loops and parallel edges.

    >>> import pyarrow as pa, ember
    >>> v = pa.table({"id": [1, 2, 3], "name": ["A", "B", "C"]})
    >>> e = pa.table({"src": [1, 2, 2], "dst": [2, 1, 3], "action": ["love", "hate", "follow"]})
    >>> g = ember.GraphFrame(v, e)
    >>> g.num_vertices, g.num_edges
    (3, 3)
    """

    ID = "id"
    SRC = "src"
    DST = "dst"
    EDGE = "edge"
    WEIGHT = "weight"

    def __init__(
        self,
        v: Optional[TableLike],
        e: TableLike,
        *,
        directed: bool = True,
        simple: bool = False,
        progress: Optional[bool] = None,
    ) -> None:
        self._directed = directed
        self._simple = simple
        self._vertices: Optional[pa.Table] = None
        self._edges: Optional[pa.Table] = None
        self._undirected: Optional["GraphFrame"] = None
        self.last_run: Optional[Dict[str, Any]] = None
        """What the last algorithm run executed: engine, supersteps, messages, phases."""
        if _is_path(e) and (v is None or _is_path(v)):
            self._graph = GraphFrame.read(e, v, directed=directed, simple=simple, progress=progress)._graph
        else:
            self._graph = _ember.Graph.from_arrow(
                as_arrow(e, "edges"),
                None if v is None else as_arrow(v, "vertices"),
                directed=directed,
                simple=simple,
            )

    @classmethod
    def read(
        cls,
        edges: Union[str, os.PathLike],
        vertices: Optional[Union[str, os.PathLike]] = None,
        *,
        format: Optional[str] = None,
        directed: bool = True,
        simple: bool = False,
        delimiter: str = ",",
        header: bool = True,
        progress: Optional[bool] = None,
    ) -> "GraphFrame":
        """Reads a graph with Ember's loaders: SNAP/edge-list text (``.txt``, ``.gz``), CSV,
        Parquet, Matrix Market (``.mtx``), DIMACS (``.gr``) or LDBC; a file, a folder of part
        files (as Spark writes them) or a glob. ``format`` overrides detection by name.

        >>> g = ember.GraphFrame.read("graphs/karate.txt.gz", directed=False)
        >>> g.num_vertices, g.num_edges
        (34, 78)
        """
        graph = _run_job(
            _ember.Graph.load,
            "reading",
            progress,
            os.fspath(edges),
            None if vertices is None else os.fspath(vertices),
            format=format,
            directed=directed,
            simple=simple,
            delimiter=delimiter,
            header=header,
        )
        return cls._wrap(graph, simple)

    @classmethod
    def _wrap(
        cls, graph: Any, simple: bool, v: Optional[pa.Table] = None, e: Optional[pa.Table] = None
    ) -> "GraphFrame":
        """A GraphFrame over an already built graph (and its tables, when known)."""
        g = cls.__new__(cls)
        g._directed, g._simple = graph.directed, simple
        g._vertices, g._edges, g._undirected = v, e, None
        g.last_run = None
        g._graph = graph
        return g

    # --- the tables ---------------------------------------------------------------------

    @property
    def vertices(self) -> pa.Table:
        """The vertex table: ``id`` and the attributes.

        >>> g = ember.GraphFrame(None, pa.table({"src": [1, 2, 3, 4], "dst": [2, 3, 1, 5]}))
        >>> g.vertices.column_names
        ['id']
        """
        if self._vertices is None:
            self._vertices = pa.table(self._graph.vertices())
        return self._vertices

    @property
    def edges(self) -> pa.Table:
        """The edge table: ``src``, ``dst`` and the attributes.

        >>> g = ember.GraphFrame(None, pa.table({"src": [1, 2, 3, 4], "dst": [2, 3, 1, 5]}))
        >>> g.edges.num_rows
        4
        """
        if self._edges is None:
            self._edges = pa.table(self._graph.edges())
        return self._edges

    @property
    def nodes(self) -> pa.Table:
        """Alias of :attr:`vertices`."""
        return self.vertices

    @property
    def num_vertices(self) -> int:
        return self._graph.num_vertices

    @property
    def num_edges(self) -> int:
        return self._graph.num_edges

    @property
    def directed(self) -> bool:
        return self._graph.directed

    def __repr__(self) -> str:
        def cols(t: pa.Table) -> str:
            return ", ".join(f"{f.name}: {f.type}" for f in t.schema)

        return (
            f"GraphFrame(v:[{cols(self.vertices)}], e:[{cols(self.edges)}]; "
            f"{self.num_vertices} vertices, {self.num_edges} edges, "
            f"{'directed' if self.directed else 'undirected'})"
        )

    # --- degrees and triplets -------------------------------------------------------------

    def _degree(self, column: str, name: str) -> pa.Table:
        t, _ = self._graph.run("degrees", [], [], with_vertices=False)
        t = pa.table(t)
        t = t.filter(pc.greater(t[column], 0))
        return pa.table({"id": t["id"], name: pc.cast(t[column], pa.int32())})

    @property
    def outDegrees(self) -> pa.Table:
        """``id``, ``outDegree`` (int32) of each vertex with at least one out-edge.

        >>> g = ember.GraphFrame(None, pa.table({"src": [1, 2, 3, 4], "dst": [2, 3, 1, 5]}))
        >>> g.outDegrees.to_pylist()[0]
        {'id': 1, 'outDegree': 1}
        """
        return self._degree("out_degree", "outDegree")

    @property
    def inDegrees(self) -> pa.Table:
        """``id``, ``inDegree`` (int32) of each vertex with at least one in-edge.

        >>> g = ember.GraphFrame(None, pa.table({"src": [1, 2, 3, 4], "dst": [2, 3, 1, 5]}))
        >>> g.inDegrees.num_rows
        4
        """
        return self._degree("in_degree", "inDegree")

    @property
    def degrees(self) -> pa.Table:
        """``id``, ``degree`` (int32) of each vertex with at least one edge (a self-loop counts
        twice, as in GraphFrames).

        >>> g = ember.GraphFrame(None, pa.table({"src": [1, 2, 3, 4], "dst": [2, 3, 1, 5]}))
        >>> g.degrees.to_pylist()[-1]
        {'id': 5, 'degree': 1}
        """
        return self._degree("degree", "degree")

    @property
    def triplets(self) -> pa.Table:
        """``src``, ``edge``, ``dst``: one row per edge, each a struct of all the columns of the
        source vertex, the edge and the destination vertex.

        >>> g = ember.GraphFrame(None, pa.table({"src": [1, 2, 3, 4], "dst": [2, 3, 1, 5]}))
        >>> g.triplets.to_pylist()[0]
        {'src': {'id': 1}, 'edge': {'src': 1, 'dst': 2}, 'dst': {'id': 2}}
        """
        v, e = self.vertices, self.edges
        vs = v.to_struct_array() if hasattr(v, "to_struct_array") else _struct(v)
        si = pc.index_in(e["src"], value_set=v["id"])
        di = pc.index_in(e["dst"], value_set=v["id"])
        es = e.to_struct_array() if hasattr(e, "to_struct_array") else _struct(e)
        return pa.table({"src": vs.take(si), "edge": es, "dst": vs.take(di)})

    # --- graph queries -------------------------------------------------------------------------

    def find(self, pattern: str) -> pa.Table:
        """Motif finding, in GraphFrames' pattern language: one row per match, one struct column
        per named vertex (all vertex columns) or edge (all edge columns), in order of appearance.

        ``(a)-[e]->(b)`` an edge; ``;`` joins terms on shared names; ``()``/``[]`` anonymous;
        ``!(a)-[]->(b)`` no such edge; ``(a)<-[e]-(b)`` reversed; ``(a)<-[e]->(b)`` both ways
        (edges ``e1``, ``e2``); ``(a)-[e]-(b)`` either way (adds ``_pattern``, ``_direction``);
        ``(a)-[e*3]->(b)`` a chain of 3 edges; ``(a)-[e*1..3]->(b)`` every length from 1 to 3
        (adds ``_hop``; the pattern's only term). A malformed pattern raises
        :class:`ember.PatternError` with its ``column``.

        Ember returns a ``pyarrow.Table`` (filter it with ``pyarrow.compute``, or write the
        query in SQL with ``motifs(...)`` to have filters pushed into the joins). On a graph
        built with ``directed=False`` each edge also matches reversed. Differences
        from GraphFrames: a negated term removes matches without also removing duplicate rows
        (GraphFrames' ``except`` does), and the rows of an undirected term are not sorted.

        >>> v = pa.table({"id": ["a", "b", "c"], "age": [34, 36, 30]})
        >>> e = pa.table({"src": ["a", "b", "c"], "dst": ["b", "c", "b"]})
        >>> g = ember.GraphFrame(v, e)
        >>> m = g.find("(x)-[]->(y); (y)-[]->(x)")
        >>> m.column_names
        ['x', 'y']
        >>> sorted(r["id"] for r in m.column("x").to_pylist())
        ['b', 'c']
        """
        return pa.table(self._graph.find(pattern))

    def bfs(
        self,
        fromExpr: str,
        toExpr: str,
        edgeFilter: Optional[str] = None,
        maxPathLength: int = 10,
    ) -> pa.Table:
        """Every shortest path from a vertex matching ``fromExpr`` to a vertex matching
        ``toExpr`` (SQL conditions over the vertex columns), using only edges matching
        ``edgeFilter`` (SQL over the edge columns), of at most ``maxPathLength`` edges.

        Columns as in GraphFrames: ``from``, ``e0``, ``v1``, ``e1``, ..., ``to``, each a struct of
        the vertex's or edge's columns; one row per path of the globally shortest length. A
        vertex matching both conditions gives ``from`` and ``to`` only. With no path the table is
        empty with columns ``from`` and ``to`` (GraphFrames: the vertex columns). Conditions are
        text (no ``Column`` objects). On a graph built with ``directed=False`` every edge can be
        walked both ways (an edge walked backwards shows with ``src`` and ``dst`` swapped).

        >>> v = pa.table({"id": ["a", "b", "c"], "age": [34, 36, 30]})
        >>> e = pa.table({"src": ["a", "b"], "dst": ["b", "c"], "kind": ["friend", "follow"]})
        >>> p = ember.GraphFrame(v, e).bfs("id = 'a'", "age < 32")
        >>> p.column_names
        ['from', 'e0', 'v1', 'e1', 'to']
        >>> p.column("to").to_pylist()
        [{'id': 'c', 'age': 30}]
        """
        if maxPathLength < 0:
            raise ConfigError(f"maxPathLength must be >= 0, got {maxPathLength}")
        return pa.table(self._graph.bfs_paths(fromExpr, toExpr, edgeFilter, maxPathLength))

    def all_paths(
        self,
        from_expr: str,
        to_expr: str,
        edge_filter: Optional[str] = None,
        max_path_length: int = 5,
        is_directed: bool = True,
        checkpoint_interval: int = 2,
        use_local_checkpoints: bool = False,
        storage_level: Any = None,
    ) -> pa.Table:
        """Every simple path (GraphFrames' ``all_paths``) from a vertex matching ``from_expr`` to
        a vertex matching ``to_expr`` (SQL over the vertex columns), over edges matching
        ``edge_filter`` (SQL over the edge columns), of 1 to ``max_path_length`` edges; along
        the edges, or either way with ``is_directed=False``. A path ends at the first target it
        reaches and never repeats a vertex, except that it may return to its start when the start
        is itself a target (a cycle, as GraphFrames reports it).

        Columns ``path`` (list of vertex ids) and ``len`` (int64), one row per distinct path,
        ordered by ``len`` then ``path``. Spark's checkpoint and storage arguments have no effect.

        >>> v = pa.table({"id": ["A", "B", "C", "D"]})
        >>> e = pa.table({"src": ["A", "B", "A", "D", "B"], "dst": ["B", "C", "D", "C", "A"]})
        >>> ember.GraphFrame(v, e).all_paths("id = 'A'", "id = 'C'").to_pylist()
        [{'path': ['A', 'B', 'C'], 'len': 2}, {'path': ['A', 'D', 'C'], 'len': 2}]
        """
        if max_path_length <= 0:
            raise ConfigError(f"all_paths: max_path_length must be > 0, got {max_path_length}")
        return pa.table(self._graph.all_paths(_text(from_expr), _text(to_expr),
                                              None if edge_filter is None else _text(edge_filter),
                                              max_path_length, bool(is_directed)))

    def detectingCycles(
        self,
        checkpoint_interval: int = 2,
        use_local_checkpoints: bool = False,
        storage_level: Any = None,
        max_length: int = 10,
    ) -> pa.Table:
        """Every directed simple cycle (GraphFrames' ``detectingCycles``, Rocha-Thatte), found
        from each vertex on it: ``id`` and ``found_cycles``, the cycle from ``id`` back to ``id``
        (``[a, b, c, a]``; a self-loop is ``[a, a]``), one row per cycle and vertex. GraphFrames
        finds cycles of up to 10 edges (its Pregel's 10 iterations); ``max_length`` (an Ember
        extension) changes that bound. Spark's checkpoint and storage arguments have no effect.

        >>> e = pa.table({"src": [1, 2, 3, 2], "dst": [2, 3, 1, 1]})
        >>> ember.GraphFrame(None, e).detectingCycles().to_pylist()[:2]
        [{'id': 1, 'found_cycles': [1, 2, 1]}, {'id': 1, 'found_cycles': [1, 2, 3, 1]}]
        """
        if max_length <= 0:
            raise ConfigError(f"detectingCycles: max_length must be > 0, got {max_length}")
        return pa.table(self._graph.detecting_cycles(max_length))

    def hyper_anf(
        self,
        n_hops: int = 3,
        lg_nom_entries: int = 12,
        edge_filter: Optional[str] = None,
        checkpoint_interval: int = 2,
        use_local_checkpoints: bool = False,
        storage_level: Any = None,
    ) -> pa.Table:
        """HyperANF-style neighbourhood sketches (GraphFrames' ``hyper_anf``): ``id`` and
        ``hop_0`` .. ``hop_N`` (binary), HyperLogLog sketches of the vertex itself and of the
        vertices at the ends of its out-walks of exactly k edges, for each vertex with an
        out-edge (after ``edge_filter``, SQL over the edge columns).

        The sketches are Apache DataSketches ``HLL_8`` sketches, byte-compatible with Spark's
        ``hll_sketch_agg`` and the ``datasketches`` package: ``datasketches.hll_sketch.deserialize(b)
        .get_estimate()`` reads one; in Ember's SQL, ``hll_sketch_estimate(hll_union(hop_0, hop_1))``
        estimates the vertices within one hop.

        >>> g = ember.GraphFrame(None, pa.table({"src": [1, 2], "dst": [2, 3]}))
        >>> g.hyper_anf(n_hops=2).column_names
        ['id', 'hop_0', 'hop_1', 'hop_2']
        """
        if n_hops <= 0:
            raise ConfigError("n_hops must be a positive integer")
        if not 4 <= lg_nom_entries <= 21:
            raise ConfigError("lg_nom_entries must be between 4 and 21 (inclusive)")
        return pa.table(self._graph.hyper_anf(n_hops, lg_nom_entries,
                                              None if edge_filter is None else _text(edge_filter)))

    @property
    def pregel(self) -> "Pregel":
        """GraphFrames' Pregel builder with SQL expressions (see :class:`ember.lib.Pregel`).

        >>> v = pa.table({"id": [1, 2, 3, 4]})
        >>> e = pa.table({"src": [1, 2, 3], "dst": [2, 3, 4]})
        >>> from ember.lib import Pregel
        >>> hops = (ember.GraphFrame(v, e).pregel.setMaxIter(10).setEarlyStopping(True)
        ...     .withVertexColumn("d", "CASE WHEN id = 1 THEN 0 END", "coalesce(d, msg)")
        ...     .sendMsgToDst("CASE WHEN src.d IS NOT NULL AND dst.d IS NULL THEN src.d + 1 END")
        ...     .aggMsgs("min(msg)")
        ...     .run())
        >>> hops.column("d").to_pylist()
        [0, 1, 2, 3]
        """
        from .lib import Pregel

        return Pregel(self)

    def aggregateMessages(
        self,
        aggCol: Union[List[str], str],
        sendToSrc: Union[List[str], str, None] = None,
        sendToDst: Union[List[str], str, None] = None,
    ) -> pa.Table:
        """One round of messages along every edge, aggregated per receiving vertex
        (GraphFrames' ``aggregateMessages``): ``id`` and one column per aggregate in
        ``aggCol`` (named by ``AS``), for the vertices that received a message. Messages are SQL
        over ``src.<col>``, ``dst.<col>``, ``edge.<col>`` (:class:`ember.lib.AggregateMessages`
        writes them: ``AM.dst["age"]``); aggregates over ``msg`` (or ``MSG``).

        >>> from ember.lib import AggregateMessages as AM
        >>> v = pa.table({"id": ["a", "b", "c"], "age": [34, 36, 30]})
        >>> e = pa.table({"src": ["a", "b", "c"], "dst": ["b", "c", "b"]})
        >>> t = ember.GraphFrame(v, e).aggregateMessages(
        ...     f"sum({AM.msg}) AS summedAges", sendToSrc=AM.dst["age"], sendToDst=AM.src["age"])
        >>> t.sort_by("id").to_pylist()
        [{'id': 'a', 'summedAges': 36}, {'id': 'b', 'summedAges': 94}, {'id': 'c', 'summedAges': 72}]
        """
        if sendToSrc is None and sendToDst is None:
            raise ConfigError("aggregateMessages: messages must be sent to src, dst, or both")
        from .lib import aggregate_messages

        return aggregate_messages(self, aggCol, sendToSrc, sendToDst)

    def filterVertices(self, condition: str) -> "GraphFrame":
        """The vertices where ``condition`` (SQL over the vertex columns) holds, and the edges
        whose two endpoints both remain (GraphFrames' ``filterVertices``; a ``Column`` is not
        accepted, write the condition as text).

        >>> g = ember.GraphFrame(pa.table({"id": [1, 2, 3], "age": [20, 40, 50]}),
        ...                      pa.table({"src": [1, 2, 3], "dst": [2, 3, 1]}))
        >>> h = g.filterVertices("age > 30")
        >>> h.num_vertices, h.edges.to_pylist()
        (2, [{'src': 2, 'dst': 3}])
        """
        return self._wrap(self._graph.subgraph("vertices", condition), self._simple)

    def filterEdges(self, condition: str) -> "GraphFrame":
        """Every vertex and the edges where ``condition`` (SQL over the edge columns) holds
        (GraphFrames' ``filterEdges``).

        >>> g = ember.GraphFrame(None, pa.table({"src": [1, 2], "dst": [2, 3], "w": [5, 9]}))
        >>> g.filterEdges("w > 6").edges.to_pylist()
        [{'src': 2, 'dst': 3, 'w': 9}]
        """
        return self._wrap(self._graph.subgraph("edges", condition), self._simple)

    def dropIsolatedVertices(self) -> "GraphFrame":
        """The vertices with at least one edge, and every edge (GraphFrames'
        ``dropIsolatedVertices``).

        >>> g = ember.GraphFrame(pa.table({"id": [1, 2, 3]}), pa.table({"src": [1], "dst": [2]}))
        >>> g.dropIsolatedVertices().num_vertices
        2
        """
        return self._wrap(self._graph.subgraph("isolated"), self._simple)

    # --- running registry algorithms ----------------------------------------------------------

    def run(
        self,
        algorithm: str,
        *,
        with_vertices: bool = False,
        progress: Optional[bool] = None,
        **params: Any,
    ) -> pa.Table:
        """Runs any of Ember's algorithms (see :func:`ember.algorithms`) by its registry name,
        with its parameters and job settings (``engine``, ``partitions``, ``strategy``,
        ``checkpoint``, ...) as keyword arguments. Returns ``id`` plus the result columns, or
        the vertex table plus the result columns with ``with_vertices=True``.

        >>> g = ember.GraphFrame(None, pa.table({"src": [1, 2, 3, 4], "dst": [2, 3, 1, 5]}))
        >>> g.run("pagerank", iterations=10, damping=0.85).column_names
        ['id', 'pagerank']
        """
        table, info = self._run(algorithm, params, with_vertices=with_vertices, progress=progress)
        return table

    def _run(
        self,
        algorithm: str,
        params: Dict[str, Any],
        *,
        with_vertices: bool,
        progress: Optional[bool],
        nest: Optional[str] = None,
    ) -> Tuple[pa.Table, Dict[str, Any]]:
        settings_names = _setting_names()
        algo_params: List[Tuple[str, str]] = []
        settings: List[Tuple[str, str]] = []
        for k, val in params.items():
            if val is None:
                continue
            if k in _GRAPH_SETTINGS:
                raise ConfigError(
                    f"{k} is a property of the graph: give it when the GraphFrame is built"
                )
            (settings if k in settings_names else algo_params).append((k, _text(val)))
        stream, info = _run_job(
            self._graph.run,
            algorithm,
            progress,
            algorithm,
            algo_params,
            settings,
            with_vertices=with_vertices,
            nest=nest,
        )
        self.last_run = info
        return pa.table(stream), info

    # --- GraphFrames' algorithms ----------------------------------------------------------

    def pageRank(
        self,
        resetProbability: float = 0.15,
        sourceId: Any = None,
        maxIter: Optional[int] = None,
        tol: Optional[float] = None,
        *,
        variant: str = "graphx",
        progress: Optional[bool] = None,
        **settings: Any,
    ) -> "GraphFrame":
        """PageRank. Exactly one of ``maxIter`` (a fixed number of iterations) and ``tol`` (until
        the change is below ``tol``) must be set; ``sourceId`` makes it personalized.

        Returns a GraphFrame whose vertices carry ``pagerank`` and whose edges carry ``weight``
        (1 / out-degree of the source), as GraphFrames does.

        ``variant="graphx"`` (the default here) gives GraphFrames' numbers: ranks sum to the
        number of vertices and the rank of vertices without out-edges is not redistributed.
        ``variant="ldbc"`` gives Ember's (and LDBC Graphalytics') normalized PageRank: ranks sum
        to 1, dangling rank spread over all vertices. With ``tol``, Ember stops when the L1
        change of an iteration is below ``tol`` (at most 100 iterations unless ``maxIter`` is
        given through :meth:`run`); GraphX's ``runUntilConvergence`` tests each vertex's change.

        >>> g = ember.GraphFrame(None, pa.table({"src": [1, 2, 3, 4], "dst": [2, 3, 1, 5]}))
        >>> g.pageRank(resetProbability=0.15, maxIter=10).vertices.column_names
        ['id', 'pagerank']
        """
        if (maxIter is None) == (tol is None):
            raise ConfigError("Exactly one of maxIter or tol should be set.")
        _check_probability(resetProbability)
        v, info = self._run(
            "pagerank",
            dict(
                iterations=maxIter,
                tol=tol,
                damping=1.0 - resetProbability,
                sources=None if sourceId is None else [sourceId],
                variant=variant,
                **settings,
            ),
            with_vertices=True,
            progress=progress,
        )
        e = pa.table(self._graph.edges_with_out_weight("weight"))
        return self._derived(v, e)

    def parallelPersonalizedPageRank(
        self,
        resetProbability: float = 0.15,
        sourceIds: Optional[Sequence[Any]] = None,
        maxIter: Optional[int] = None,
        *,
        variant: str = "graphx",
        progress: Optional[bool] = None,
        **settings: Any,
    ) -> "GraphFrame":
        """Personalized PageRank from each of ``sourceIds`` for ``maxIter`` iterations.

        Returns a GraphFrame whose vertices carry ``pageranks``: a list of doubles per vertex,
        one per source in the order given (a fixed-size list; GraphFrames gives a SparseVector of
        the same values),
        and whose edges carry ``weight``.

        >>> g = ember.GraphFrame(None, pa.table({"src": [1, 2, 3, 4], "dst": [2, 3, 1, 5]}))
        >>> r = g.parallelPersonalizedPageRank(sourceIds=[1, 4], maxIter=10)
        >>> len(r.vertices["pageranks"][0])
        2
        """
        if not sourceIds:
            raise ConfigError("Source vertices Ids sourceIds must be provided")
        if maxIter is None:
            raise ConfigError("Max number of iterations maxIter must be provided")
        _check_probability(resetProbability)
        columns = []
        for s in sourceIds:
            t, _ = self._run(
                "pagerank",
                dict(
                    iterations=maxIter,
                    damping=1.0 - resetProbability,
                    sources=[s],
                    variant=variant,
                    **settings,
                ),
                with_vertices=False,
                progress=progress,
            )
            columns.append(t["pagerank"].combine_chunks())
        import numpy as np

        # Vertex i's list holds the ranks from sources 0..k-1: row-major.
        flat = np.column_stack([c.to_numpy() for c in columns]).ravel()
        ranks = pa.FixedSizeListArray.from_arrays(pa.array(flat, pa.float64()), len(columns))
        v = self.vertices.append_column("pageranks", ranks)
        e = pa.table(self._graph.edges_with_out_weight("weight"))
        return self._derived(v, e)

    def connectedComponents(
        self,
        algorithm: str = "graphframes",
        checkpointInterval: int = 2,
        broadcastThreshold: int = 1000000,
        useLabelsAsComponents: bool = False,
        use_local_checkpoints: bool = False,
        max_iter: int = 2**31 - 2,
        storage_level: Any = None,
        progress: Optional[bool] = None,
        **settings: Any,
    ) -> pa.Table:
        """Connected components (of the graph with edge directions ignored).

        Returns the vertex table plus ``component``: the smallest vertex id of the component
        (GraphFrames' ``useLabelsAsComponents=True`` form; with integer ids GraphFrames' other
        algorithms give the same numbers). ``algorithm`` may be any of GraphFrames' names
        (``graphframes``, ``two_phase``, ``randomized_contraction``, ``graphx``): the components
        are the same; Ember picks its own engine (``engine=`` to choose). The checkpoint,
        broadcast and storage arguments are Spark's and have no effect here.

        >>> g = ember.GraphFrame(None, pa.table({"src": [1, 2, 3, 4], "dst": [2, 3, 1, 5]}))
        >>> g.connectedComponents().to_pylist()[3:]
        [{'id': 4, 'component': 4}, {'id': 5, 'component': 4}]
        """
        if algorithm not in ("graphframes", "two_phase", "randomized_contraction", "graphx"):
            raise ConfigError(
                f"unknown connected components algorithm '{algorithm}'; known: graphframes, "
                "two_phase, randomized_contraction, graphx"
            )
        v, _ = self._run("wcc", dict(settings), with_vertices=True, progress=progress)
        return v

    def stronglyConnectedComponents(
        self, maxIter: int = 2**31 - 2, *, progress: Optional[bool] = None, **settings: Any
    ) -> pa.Table:
        """Strongly connected components: the vertex table plus ``component`` (the smallest
        vertex id of the component). Ember runs to completion; ``maxIter`` (GraphX's bound on
        its iterations) only has to be positive.

        >>> g = ember.GraphFrame(None, pa.table({"src": [1, 2, 3, 4], "dst": [2, 3, 1, 5]}))
        >>> [r["component"] for r in g.stronglyConnectedComponents(maxIter=10).to_pylist()]
        [1, 1, 1, 4, 5]
        """
        if maxIter < 1:
            raise ConfigError(f"maxIter must be at least 1, got {maxIter}")
        v, _ = self._run("scc", dict(settings), with_vertices=True, progress=progress)
        return v

    def labelPropagation(
        self,
        maxIter: int,
        algorithm: str = "graphx",
        use_local_checkpoints: bool = False,
        checkpoint_interval: int = 2,
        storage_level: Any = None,
        progress: Optional[bool] = None,
        **settings: Any,
    ) -> pa.Table:
        """Label propagation for ``maxIter`` iterations: the vertex table plus ``label``.

        ``algorithm="graphx"`` (GraphFrames' default) runs LDBC's CDLP: each vertex takes the most
        frequent label among its neighbours (in- and out-edges), ties going to the smallest
        label; GraphX breaks ties arbitrarily, so labels may differ on ties.
        ``algorithm="graphframes"`` runs GraphFrames' own variant: labels travel along in-edges
        only, ties go to the smallest label, a vertex that receives no label gets ``None``, and
        the run stops early when no label changes.

        >>> g = ember.GraphFrame(None, pa.table({"src": [1, 2, 3, 4], "dst": [2, 3, 1, 5]}))
        >>> g.labelPropagation(maxIter=5).column_names
        ['id', 'label']
        """
        if algorithm not in ("graphx", "graphframes"):
            raise ConfigError(f"labelPropagation: algorithm must be 'graphx' or 'graphframes', got {algorithm!r}")
        v, _ = self._run(
            "cdlp" if algorithm == "graphx" else "lpa",
            dict(iterations=maxIter, **settings),
            with_vertices=True,
            progress=progress,
        )
        return v

    def shortestPaths(
        self,
        landmarks: Sequence[Any],
        algorithm: str = "graphx",
        use_local_checkpoints: bool = False,
        checkpoint_interval: int = 2,
        storage_level: Any = None,
        is_directed: bool = True,
        progress: Optional[bool] = None,
        **settings: Any,
    ) -> pa.Table:
        """Hops from each vertex to each landmark: the vertex table plus ``distances``, a map
        from landmark id to hop count (int32) holding the landmarks the vertex reaches, as in
        GraphFrames. ``is_directed=False`` follows edges both ways.

        >>> g = ember.GraphFrame(None, pa.table({"src": [1, 2, 3, 4], "dst": [2, 3, 1, 5]}))
        >>> g.shortestPaths(landmarks=[1]).to_pylist()[2]
        {'id': 3, 'distances': [(1, 1)]}
        """
        if not landmarks:
            raise ConfigError("landmarks: give at least one landmark vertex")
        g = self._as_undirected() if not is_directed and self.directed else self
        v, info = g._run(
            "landmarks",
            dict(landmarks=list(landmarks), **settings),
            with_vertices=True,
            nest="distances",
            progress=progress,
        )
        self.last_run = info
        return v

    def triangleCount(
        self,
        storage_level: Any = None,
        algorithm: str = "exact",
        lg_nom_entries: int = 12,
        progress: Optional[bool] = None,
        **settings: Any,
    ) -> pa.Table:
        """Triangles through each vertex (edge directions ignored): the vertex table plus
        ``count`` (int64). Only the exact algorithm exists here.

        >>> g = ember.GraphFrame(None, pa.table({"src": [1, 2, 3, 4], "dst": [2, 3, 1, 5]}))
        >>> [r["count"] for r in g.triangleCount().to_pylist()]
        [1, 1, 1, 0, 0]
        """
        if algorithm != "exact":
            raise ConfigError(f"triangleCount: algorithm '{algorithm}' is not available; Ember counts exactly")
        v, _ = self._run("triangles", dict(settings), with_vertices=True, progress=progress)
        i = v.schema.get_field_index("triangles")
        return v.set_column(i, "count", pc.cast(v["triangles"], pa.int64()))

    def k_core(
        self,
        checkpoint_interval: int = 2,
        use_local_checkpoints: bool = False,
        storage_level: Any = None,
        progress: Optional[bool] = None,
        **settings: Any,
    ) -> pa.Table:
        """Each vertex's core number (GraphFrames' ``k_core``): ``id`` and ``kcore`` (int32),
        the largest k such that the vertex is in a subgraph where every vertex has at least k
        neighbours; directions, self-loops and parallel edges are ignored, an isolated vertex
        has 0. Ember peels in O(edges) (Batagelj-Zaversnik); Spark's checkpoint and storage
        arguments are accepted and have no effect.

        >>> g = ember.GraphFrame(None, pa.table({"src": [1, 2, 3, 3], "dst": [2, 3, 1, 4]}))
        >>> g.k_core().to_pylist()
        [{'id': 1, 'kcore': 2}, {'id': 2, 'kcore': 2}, {'id': 3, 'kcore': 2}, {'id': 4, 'kcore': 1}]
        """
        t, _ = self._run("kcore", dict(settings), with_vertices=False, progress=progress)
        return t.set_column(1, "kcore", pc.cast(t["kcore"], pa.int32()))

    def maximal_independent_set(
        self,
        seed: int = 42,
        checkpoint_interval: int = 2,
        use_local_checkpoints: bool = False,
        storage_level: Any = None,
        progress: Optional[bool] = None,
        **settings: Any,
    ) -> pa.Table:
        """A maximal independent set (GraphFrames' ``maximal_independent_set``): the vertex table
        plus ``selected`` (bool). No two selected vertices are adjacent and every other vertex has
        a selected neighbour; directions, self-loops and parallel edges are ignored. Luby's
        randomized rounds: the set depends on ``seed`` (and the ids), and is the same on every
        run and thread count. Spark's checkpoint and storage arguments have no effect.

        >>> g = ember.GraphFrame(None, pa.table({"src": [1, 2, 3], "dst": [2, 3, 4]}))
        >>> sel = g.maximal_independent_set(seed=7).column("selected").to_pylist()
        >>> all(not (sel[i] and sel[i + 1]) for i in range(3)) and sum(sel) >= 2
        True
        """
        params = dict(settings)
        params["seed"] = seed
        v, _ = self._run("mis", params, with_vertices=True, progress=progress)
        return v

    def as_undirected(self) -> "GraphFrame":
        """Every edge both ways (GraphFrames' ``as_undirected``): for each edge (src, dst) an edge
        (dst, src) with the same attributes is added; the vertices stay.

        >>> g = ember.GraphFrame(None, pa.table({"src": [1], "dst": [2], "w": [0.5]}))
        >>> g.as_undirected().edges.to_pylist()
        [{'src': 1, 'dst': 2, 'w': 0.5}, {'src': 2, 'dst': 1, 'w': 0.5}]
        """
        e = self.edges
        return self._derived(self.vertices, pa.concat_tables([e, _reversed(e)]))

    def as_reversed(self) -> "GraphFrame":
        """Every edge reversed, attributes kept (GraphFrames' ``as_reversed``).

        >>> g = ember.GraphFrame(None, pa.table({"src": [1, 1], "dst": [2, 3]}))
        >>> g.as_reversed().edges.to_pylist()
        [{'src': 2, 'dst': 1}, {'src': 3, 'dst': 1}]
        """
        return self._derived(self.vertices, _reversed(self.edges))

    # --- helpers ----------------------------------------------------------------------------

    def _derived(self, v: pa.Table, e: pa.Table) -> "GraphFrame":
        g = GraphFrame._wrap(_ember.Graph.from_arrow(e, v, directed=self.directed), self._simple, v, e)
        g.last_run = self.last_run
        return g

    def _as_undirected(self) -> "GraphFrame":
        if self._undirected is None:
            self._undirected = GraphFrame(self.vertices, self.edges, directed=False)
        return self._undirected


def _reversed(e: pa.Table) -> pa.Table:
    """``e`` with its ``src`` and ``dst`` columns' contents swapped (names and order kept)."""
    s, d = e.schema.get_field_index("src"), e.schema.get_field_index("dst")
    cols = list(e.columns)
    cols[s], cols[d] = e["dst"].cast(e.schema.field(s).type), e["src"].cast(e.schema.field(d).type)
    return pa.Table.from_arrays(cols, schema=e.schema)


@functools.lru_cache(maxsize=1)
def _setting_names() -> frozenset:
    """The job settings' names, from the registry (read once)."""
    return frozenset(s["name"] for s in _ember.registry()["settings"])


def _check_probability(p: float) -> None:
    if not (0.0 <= p <= 1.0):
        raise ConfigError(f"resetProbability must be in [0, 1], got {p}")


def _struct(t: pa.Table) -> pa.Array:
    t = t.combine_chunks()
    return pa.StructArray.from_arrays([c.combine_chunks() for c in t.columns], names=t.column_names)

