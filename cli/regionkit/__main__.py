"""`python -m regionkit` and the `regionkit` console script.

This module loads nothing but the standard library before it takes over SIGINT: the CLI's own
libraries take a fraction of a second to import, and a ^C in that time ends the process at once,
quietly, with 130 (there is nothing to undo yet). From there on, interrupts.py turns ^C into an
orderly stop with the same code. (The interpreter's own start-up, before this module runs, is
Python's: a ^C in those few milliseconds is Python's KeyboardInterrupt.)
"""

import os
import signal


def _interrupted(signum: int, frame: object) -> None:
    os._exit(130)


def main() -> None:
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, _interrupted)
    from regionkit.commands.app import main as run

    run()


if __name__ == "__main__":
    main()
