"""Shared fixtures: the bundled graphs (the repository's graphs/ folder, so the tests need
nothing outside the clone) read as pyarrow edge tables and as networkx graphs (the oracle)."""

import gzip
import os
import pathlib

import pyarrow as pa
import pytest

GRAPHS = pathlib.Path(__file__).resolve().parents[2] / "graphs"


def read_edges(name):
    """The edge list of a bundled SNAP text graph as (src, dst) integer lists."""
    src, dst = [], []
    with gzip.open(GRAPHS / name, "rt") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            a, b = line.split()[:2]
            src.append(int(a))
            dst.append(int(b))
    return src, dst


@pytest.fixture(scope="session")
def graphs_dir():
    return GRAPHS


@pytest.fixture(scope="session")
def karate():
    s, d = read_edges("karate.txt.gz")
    return pa.table({"src": s, "dst": d})


@pytest.fixture(scope="session")
def gnutella():
    s, d = read_edges("p2p-Gnutella05.txt.gz")
    return pa.table({"src": s, "dst": d})


@pytest.fixture(scope="session")
def wiki_vote():
    s, d = read_edges("wiki-Vote.txt.gz")
    return pa.table({"src": s, "dst": d})


@pytest.fixture(autouse=True)
def _no_progress_bars():
    import ember

    ember.set_progress(False)
    yield
    ember.set_progress(True)


def nx_graph(table, directed=True):
    import networkx as nx

    g = nx.DiGraph() if directed else nx.Graph()
    g.add_edges_from(zip(table["src"].to_pylist(), table["dst"].to_pylist()))
    return g


os.environ.setdefault("RAYON_NUM_THREADS", "2")
