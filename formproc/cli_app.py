"""The Typer application object that every command module registers on."""

import typer

app = typer.Typer(
    name="formproc",
    help="formproc: certificatul de concediu medical (CCM) — tipărire, scanare, validare, raportare SIUI.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
