"""Cyclic garbage collection only at safe points, on CPython 3.11.

The problem (post-mortem: docs/postmortem-segfault.md): CPython 3.11 can start a cyclic
collection inside any object allocation, in the middle of C code that is not ready for it.
One such place is building an instance's ``__dict__`` from its inline attribute values
(``obj.__dict__``, a new attribute name, SQLAlchemy's memoized properties): 3.11 builds the
dict first and detaches the values array from the object afterwards. If building the dict
starts a collection, and a weakref callback or ``__del__`` run by that collection touches the
same object's ``__dict__``, a second dict is built over the same values array. Each dict
frees the array when it grows: a double free, and the heap is corrupted. That is the
"Fatal Python error: Segmentation fault" this bot's test suite hit now and then (ASan:
"attempting double-free" in ``free_values`` <- ``dictresize``).

CPython 3.12 fixed the cause (gh-97922: "The Garbage Collector now runs only on the eval
breaker mechanism of the Python bytecode evaluation loop instead on object allocations");
3.11 only receives security fixes, so the fix was never backported. This module does the
same for 3.11: it turns the allocation-triggered collector off and runs the same
generational collections from a small daemon thread. That thread gets the GIL only where
other threads give it up (between bytecodes, or in blocking calls), never in the middle of
a C-level operation such as building a dict, so no collection can interrupt one.

On any other interpreter ``install()`` does nothing.
"""

from __future__ import annotations

import gc
import sys
import threading
import time

AFFECTED = sys.implementation.name == "cpython" and sys.version_info[:2] == (3, 11)

# How often the thread looks at the allocation counts. A collection that falls due waits
# at most this long; the cyclic garbage made meanwhile waits with it (reference counting
# still frees everything else at once).
CHECK_INTERVAL = 0.05
# CPython runs a full (generation 2) collection only when the objects that survived
# collections since the last one are a quarter of the long-lived ones; that count is not
# visible from Python, so a full collection waits at least this long after the previous one.
FULL_COLLECTION_SPACING = 30.0


class SafePointCollector:
    """Runs gc.collect(generation) when CPython's own thresholds say one is due."""

    def __init__(self, interval: float = CHECK_INTERVAL,
                 full_spacing: float = FULL_COLLECTION_SPACING) -> None:
        self.interval = interval
        self.full_spacing = full_spacing
        self.collections = [0, 0, 0]
        self._last_full = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        gc.disable()
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="gc-safepoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and give collection back to the interpreter."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        gc.enable()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.collect_due()

    def collect_due(self) -> int | None:
        """Collect the generation CPython would collect now; returns it, or None."""
        if gc.isenabled():
            # Something turned automatic collection back on (gc.enable() in a library):
            # turn it off again, or the unsafe collections come back.
            gc.disable()
        thresholds = gc.get_threshold()
        if thresholds[0] == 0:
            return None  # gc.set_threshold(0): the application switched collection off
        counts = gc.get_count()
        if counts[0] <= thresholds[0]:
            return None
        # As CPython's collect_generations(): the oldest generation over its threshold.
        if counts[2] > thresholds[2] and time.monotonic() - self._last_full >= self.full_spacing:
            generation = 2
        elif counts[1] > thresholds[1]:
            generation = 1
        else:
            generation = 0
        gc.collect(generation)
        self.collections[generation] += 1
        if generation == 2:
            self._last_full = time.monotonic()
        return generation


_collector: SafePointCollector | None = None


def install() -> SafePointCollector | None:
    """Switch this process to safe-point collection if the interpreter needs it (3.11).

    Idempotent; returns the running collector, or None where nothing was needed."""
    global _collector
    if not AFFECTED:
        return None
    if _collector is None:
        _collector = SafePointCollector()
    _collector.start()
    return _collector
