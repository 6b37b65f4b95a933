"""CLI command modules; each registers its commands on formproc.cli_app.app."""
