"""``python -m fastw2v`` and the ``fastw2v`` console script."""
from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the command line."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in ("--version", "version"):
        from fastw2v._config import show_config
        show_config()
        return 0
    from fastw2v import cli
    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
