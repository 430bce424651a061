"""Use cases: what a person asks regionkit to do, as functions that return typed results.

plan/apply/inventory, mirror sync, bootstrap, verify, drift, deploy and the lab. No typer or rich
here: progress goes through the Progress port the commands implement, errors are RegionkitError,
and the commands turn results into output and exit codes. `deploy` calls the others as functions.
"""
