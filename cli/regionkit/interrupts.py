"""^C (SIGINT), one policy for the whole process.

- The first ^C raises KeyboardInterrupt in the main flow: `finally` blocks run, temp files of
  atomic writes are removed, a half-built lab is taken down; the CLI exits 130.
- A second ^C, or a stop that takes longer than STOP_WITHIN_S, ends the process at once (130).
- Code that must not be torn mid-way (an engine's event loop, which hangs when an interrupt lands
  inside it) runs under `deferred()`: a ^C there is held until the block ends, then delivered.

Installed by the CLI's main() only (a library user keeps Python's own handler).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a process ended by ^C
STOP_WITHIN_S = 60.0  # an orderly stop (a lab taken down again) that takes longer is cut short

_state = {"interrupted": False, "held": False, "pending": False}


def _stop_now() -> None:
    os._exit(EXIT_INTERRUPTED)


def on_interrupt(signum: int, frame: Any) -> None:
    """The SIGINT handler main() installs."""
    if _state["held"]:
        _state["pending"] = True
        return
    if _state["interrupted"]:
        _stop_now()
    _state["interrupted"] = True
    watchdog = threading.Timer(STOP_WITHIN_S, _stop_now)
    watchdog.daemon = True
    watchdog.start()
    raise KeyboardInterrupt


def install() -> bool:
    """Take over SIGINT, unless it is ignored (a background job started with ^C ignored keeps it so)."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        return False
    signal.signal(signal.SIGINT, on_interrupt)
    return True


def redeliver() -> None:
    """A ^C that was swallowed (it landed in a finalizer): deliver it again to the main flow."""
    _state["interrupted"] = False
    import _thread

    _thread.interrupt_main(signal.SIGINT)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold a ^C while the block runs (only where on_interrupt is the handler, in the main thread)."""
    if signal.getsignal(signal.SIGINT) is not on_interrupt or threading.current_thread() is not threading.main_thread():
        yield
        return
    _state["held"], _state["pending"] = True, False
    try:
        yield
    finally:
        _state["held"] = False
        if _state["pending"]:
            _state["pending"] = False
            on_interrupt(signal.SIGINT, None)
