"""Type stubs of the extension module (Rust). Use the package's public API (ember.GraphFrame,
ember.sql, ember.Session); these are its building blocks."""

from os import PathLike
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

__version__: str

_Progress = Optional[Callable[[Dict[str, Any]], None]]

class ArrowStream:
    """A table leaving Ember: consume it once with ``pyarrow.table(stream)`` (zero copy)."""

    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object: ...

class Graph:
    """Ember's graph: vertex and edge tables plus the dense representation."""

    @staticmethod
    def from_arrow(
        edges: Any,
        vertices: Optional[Any] = None,
        *,
        directed: bool = True,
        src: str = "src",
        dst: str = "dst",
        id: str = "id",
        weight: Optional[str] = "weight",
        simple: bool = False,
        progress: _Progress = None,
    ) -> Graph: ...
    @staticmethod
    def load(
        edges: Union[str, PathLike[str]],
        vertices: Optional[Union[str, PathLike[str]]] = None,
        *,
        format: Optional[str] = None,
        directed: bool = True,
        src: str = "src",
        dst: str = "dst",
        id: str = "id",
        weight: Optional[str] = "weight",
        simple: bool = False,
        delimiter: str = ",",
        header: bool = True,
        progress: _Progress = None,
    ) -> Graph: ...
    @property
    def num_vertices(self) -> int: ...
    @property
    def num_edges(self) -> int: ...
    @property
    def directed(self) -> bool: ...
    def vertices(self) -> ArrowStream: ...
    def edges(self) -> ArrowStream: ...
    def find(self, pattern: str) -> ArrowStream: ...
    def bfs_paths(
        self, from_expr: str, to_expr: str, edge_filter: Optional[str] = None, max_path_length: int = 10
    ) -> ArrowStream: ...
    def all_paths(
        self,
        from_expr: str,
        to_expr: str,
        edge_filter: Optional[str] = None,
        max_path_length: int = 5,
        is_directed: bool = True,
    ) -> ArrowStream: ...
    def detecting_cycles(self, max_length: int = 10) -> ArrowStream: ...
    def hyper_anf(self, n_hops: int = 3, lg_nom_entries: int = 12, edge_filter: Optional[str] = None) -> ArrowStream: ...
    def subgraph(self, kind: str, condition: Optional[str] = None) -> Graph: ...
    def pregel(self, clauses: List[str], progress: Any = None) -> Tuple[ArrowStream, int]: ...
    def aggregate_messages(self, clauses: List[str]) -> ArrowStream: ...
    def edges_with_out_weight(self, column: str) -> ArrowStream: ...
    def run(
        self,
        algorithm: str,
        params: Sequence[Tuple[str, str]],
        settings: Sequence[Tuple[str, str]],
        *,
        with_vertices: bool = False,
        nest: Optional[str] = None,
        progress: _Progress = None,
    ) -> Tuple[ArrowStream, Dict[str, Any]]: ...

class Session:
    def __init__(self) -> None: ...
    def register_arrow(self, name: str, table: Any) -> None: ...
    def register_file(self, name: str, path: Union[str, PathLike[str]]) -> None: ...
    def tables(self) -> List[str]: ...
    def sql(self, query: str) -> ArrowStream: ...
    def sql_stream(self, query: str) -> ArrowStream: ...

def registry() -> Dict[str, List[Dict[str, Any]]]: ...
def run_call(name: str, args: Sequence[Optional[str]], edges: Any, vertices: Optional[Any] = None) -> ArrowStream: ...
def reference() -> str: ...
def buffer_addresses(obj: Any) -> List[List[int]]: ...
