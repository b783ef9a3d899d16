"""Progress bars for long jobs: tqdm (``tqdm.auto``, so a widget in Jupyter and a bar in a
terminal) when it is installed, nothing otherwise. Bars appear only for jobs that run longer
than half a second. Switch them off with ``ember.set_progress(False)``."""

from __future__ import annotations

from typing import Any, Callable, Optional

_enabled = True


def set_progress(enabled: bool) -> None:
    """Show (True, the default when tqdm is installed) or hide progress bars of long jobs."""
    global _enabled
    _enabled = bool(enabled)


def progress_enabled() -> bool:
    return _enabled


class _Bar:
    """A callable receiving Ember's per-superstep dicts, drawing a tqdm bar."""

    def __init__(self, desc: str, tqdm: Any) -> None:
        self._tqdm = tqdm
        self._desc = desc
        self._bar: Any = None

    def __call__(self, stats: dict) -> None:
        if self._bar is None:
            self._bar = self._tqdm(
                total=stats.get("max_supersteps"),
                desc=self._desc,
                unit="step",
                delay=0.5,
                leave=False,
            )
        self._bar.set_postfix(active=stats["active_vertices"], refresh=False)
        step = stats["superstep"]
        if step > self._bar.n:
            self._bar.update(step - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def bar(desc: str, enabled: Optional[bool] = None) -> Optional[Callable[[dict], None]]:
    """A progress callback for a job called ``desc``, or None (disabled, or no tqdm)."""
    if not (_enabled if enabled is None else enabled):
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return _Bar(desc, tqdm)


def close(cb: Any) -> None:
    if isinstance(cb, _Bar):
        cb.close()
