"""`regionkit init DIR`: a new site that uses the installed regionkit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from regionkit.commands._shared import OutputFormat, print_json, say, user_errors
from regionkit.services.init import init_site


def init(
    target: Annotated[Path, typer.Argument(metavar="DIR", help="A new (or empty) folder for the site.")],
    refresh: Annotated[
        bool, typer.Option("--refresh", help="In an existing site: rewrite only the files that name the installation.")
    ] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = OutputFormat.text,
) -> None:
    """Make DIR a site: the shipped catalogs, an example region, a Pulumi project running regionkit's
    program, an ansible.cfg, a .gitignore and a README. Then `cd DIR && regionkit validate`."""
    with user_errors():
        result = init_site(target, refresh)
    if fmt is OutputFormat.json:
        print_json({"site": str(result.root), "written": [str(p) for p in result.written], "regions": result.regions})
        return
    for path in result.written:
        say(f"  {path.relative_to(result.root)}")
    say(f"site {result.root}: regions {', '.join(result.regions)}; next: cd {target} && regionkit validate && regionkit plan --all")
