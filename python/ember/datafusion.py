"""Ember's graph table functions inside DataFusion's Python package.

>>> import datafusion, ember.datafusion
>>> ctx = datafusion.SessionContext()
>>> ember.datafusion.register(ctx)
>>> ctx.register_parquet("e", "edges.parquet")
>>> ctx.sql("SELECT id, pagerank FROM pagerank('', 'e', 20) ORDER BY pagerank DESC LIMIT 5")

Each registry algorithm becomes a table function of the same name and arguments as in Ember's
own SQL (``NAME('vertices', 'edges', positional parameters..., 'name=value'...)``; the vertex
table may be ``''`` or NULL). The functions read the named tables from the calling session
(zero copy, through the Arrow C stream), run Ember, and hand the result back to DataFusion as an
in-memory table.

They are Python table functions with the session injected (``udtf(..., with_session=True)``),
not FFI-exported ones: DataFusion 55's FFI table functions cannot see the calling session, and
these must look its tables up. The job runs when DataFusion plans the query.
"""

from __future__ import annotations

import concurrent.futures
from typing import Any, List, Optional, Tuple

import pyarrow as pa

from . import _ember
from .errors import ConfigError



def register(ctx: Any, names: Optional[List[str]] = None) -> None:
    """Registers Ember's graph table functions (all, or those in ``names``) in ``ctx``, a
    ``datafusion.SessionContext``."""
    from datafusion import udtf

    for a in _ember.registry()["algorithms"]:
        if names is None or a["name"] in names:
            ctx.register_udtf(udtf(_function(a["name"], a["summary"]), a["name"], with_session=True))


def _function(name: str, summary: str) -> Any:
    def call(*args: Any, session: Any = None) -> Any:
        # The arguments as Ember's SQL takes them; Ember parses them exactly as in its own SQL.
        values = [_literal(a, name, i) for i, a in enumerate(args)]
        text = [None if v is None or v == "" else _text(v) for v in values]
        edges = text[1] if len(text) > 1 else None
        vertices = text[0] if text else None

        def read() -> Tuple[Optional[pa.Table], Optional[pa.Table]]:
            # DataFusion's Python session blocks on its runtime; from the planning thread (inside
            # that runtime) it cannot, so the tables are read on a helper thread.
            e = pa.table(session.table(edges)) if edges else None
            v = pa.table(session.table(vertices)) if vertices else None
            return e, v

        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            e, v = pool.submit(read).result()
        if e is None:
            # No edge table: Ember's parser says what is missing.
            e = pa.table({"src": pa.array([], pa.int64()), "dst": pa.array([], pa.int64())})
        stream = _ember.run_call(name, text, e, v)
        import pyarrow.dataset as ds
        from datafusion import Table

        return Table(ds.dataset(pa.table(stream)))

    call.__name__ = name
    call.__doc__ = summary
    return call


def _literal(raw: Any, function: str, i: int) -> Any:
    from datafusion.expr import Expr

    e = Expr(raw)
    try:
        v = e.python_value()
        return v.as_py() if isinstance(v, pa.Scalar) else v
    except Exception:
        raise ConfigError(
            f"{function}: argument {i + 1} must be a literal (a table name in quotes, a number, ...)"
        ) from None


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)
