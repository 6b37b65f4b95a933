"""`formproc schema`: the JSON Schema of the canonical record."""

import json

from formproc.cli_app import app
from formproc.model import json_schema


@app.command()
def schema() -> None:
    """Print the JSON Schema of the canonical certificate record."""
    print(json.dumps(json_schema(), ensure_ascii=False, indent=2))
