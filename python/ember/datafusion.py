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
from typing import Any, Dict, List, Optional, Tuple

import pyarrow as pa

from . import _ember
from .errors import ConfigError

_GRAPH = {"directed", "src_column", "dst_column", "weight_column"}


def register(ctx: Any, names: Optional[List[str]] = None) -> None:
    """Registers Ember's graph table functions (all, or those in ``names``) in ``ctx``, a
    ``datafusion.SessionContext``."""
    from datafusion import udtf

    reg = _ember.registry()
    for a in reg["algorithms"]:
        if names is None or a["name"] in names:
            ctx.register_udtf(udtf(_function(a, reg["settings"]), a["name"], with_session=True))


def _function(spec: Dict[str, Any], settings: List[Dict[str, Any]]) -> Any:
    name = spec["name"]
    positional_names = ["vertices", "edges"] + [p["name"] for p in spec["params"]]
    setting_names = {s["name"] for s in settings}

    def call(*args: Any, session: Any = None) -> Any:
        values = [_literal(a, name, i) for i, a in enumerate(args)]
        given: Dict[str, str] = {}
        named = False
        for i, v in enumerate(values):
            if i >= 2 and isinstance(v, str) and "=" in v:
                k, _, val = v.partition("=")
                k = k.strip().lower()
                if k in given:
                    raise ConfigError(f"{name}: parameter '{k}' given twice")
                given[k] = val.strip()
                named = True
                continue
            if named:
                raise ConfigError(f"{name}: positional argument {i + 1} after a named one")
            if i >= len(positional_names):
                raise ConfigError(
                    f"{name} takes at most {len(positional_names)} positional arguments "
                    f"({', '.join(positional_names)}), got {len(values)}"
                )
            if v is not None and v != "":
                given[positional_names[i]] = _text(v)
        edges = given.pop("edges", None)
        if not edges:
            raise ConfigError(f"{name}: parameter 'edges' is required")
        vertices = given.pop("vertices", None)
        graph_opts = {k: given.pop(k) for k in list(given) if k in _GRAPH}
        settings_kv: List[Tuple[str, str]] = [(k, given.pop(k)) for k in list(given) if k in setting_names]
        params = list(given.items())

        def read() -> Tuple[pa.Table, Optional[pa.Table]]:
            # DataFusion's Python session blocks on its runtime; from the planning thread (inside
            # that runtime) it cannot, so the tables are read on a helper thread.
            e = pa.table(session.table(edges))
            v = pa.table(session.table(vertices)) if vertices else None
            return e, v

        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            e, v = pool.submit(read).result()
        g = _ember.Graph.from_arrow(
            e,
            v,
            directed=graph_opts.get("directed", "true").lower() != "false",
            src=graph_opts.get("src_column", "src"),
            dst=graph_opts.get("dst_column", "dst"),
            weight=graph_opts.get("weight_column", "weight"),
        )
        stream, _ = g.run(name, params, settings_kv)
        import pyarrow.dataset as ds
        from datafusion import Table

        return Table(ds.dataset(pa.table(stream)))

    call.__name__ = name
    call.__doc__ = spec["summary"]
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
