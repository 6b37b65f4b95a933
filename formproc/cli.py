"""Command-line entry point: exit 0 success, 1 findings, 2 unusable input, never a traceback."""

from __future__ import annotations

import os
import sys

from formproc.cli_app import app
from formproc.commands import (  # noqa: F401  (each module registers its commands; one per line)
    catalogs,
    payer,
    printing,
    reconcile,
    report,
    scan,
    schema,
    store,
    validate,
)
from formproc.errors import FormprocError


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; every failure becomes a one-line message and an exit code."""
    try:
        app(args=argv, prog_name="formproc")  # Typer reports usage errors itself, exit 2
    except FormprocError as exc:
        _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # a bug: say so in one line; FORMPROC_DEBUG=1 shows the traceback
        if os.environ.get("FORMPROC_DEBUG"):
            raise
        _fail(f"internal error ({type(exc).__name__}); rerun with FORMPROC_DEBUG=1 for details", 3)


def one_line(message: str, limit: int = 500) -> str:
    """A message as the CLI prints it: one line (whitespace collapsed), at most `limit` characters."""
    text = " ".join(message.split()) or "error"
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _fail(message: str, code: int) -> None:
    print(f"formproc: {one_line(message)}", file=sys.stderr)
    sys.exit(code)


if __name__ == "__main__":
    main()
