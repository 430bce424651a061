"""Import, once in Ansible's main process, what its forked workers would each import again.

Ansible forks a worker per host and task; a worker inherits every module the main process has
already imported and pays again for any other. Ansible loads its builtin Jinja filter and test
plugins on first use, and the main process first templates with them part-way through a run, so
most workers of a run imported them again; botocore, which the mirror_presign lookup signs with,
is imported again by each worker that fetches an artifact. The benchmark
tests/benchmarks/bootstrap_runner.py measures the no-op re-converge this shortens.

Called by regionkit's strategy plugins when Ansible loads them, before the first worker forks.
"""

from __future__ import annotations

import contextlib
import importlib

# What workers imported for themselves in a traced lab run (sys.modules after a worker's task
# against the set it was forked with), beyond the Jinja plugins.
WORKER_MODULES = (
    "ansible.module_utils._internal._json._profiles._module_legacy_m2c",  # module results
    "ansible.plugins.action.normal",  # the action of every task whose module has none of its own
    "ansible.plugins.action.copy",  # copy, and template's remote half
    "ansible_collections.ansible.builtin.plugins.filter",  # a filter named by its FQCN
    "ansible_collections.ansible.builtin.plugins.test",
    "botocore.auth",  # mirror_presign: the SigV4 query signer
    "botocore.awsrequest",
    "botocore.session",  # mirror_presign: the credential chain
)


def preload_for_workers() -> None:
    """Load Ansible's Jinja filter and test plugins and WORKER_MODULES. A module that cannot be
    imported is left to whoever needs it (botocore without boto3: the lookup says so itself)."""
    from ansible.plugins.loader import filter_loader, test_loader

    for loader in (filter_loader, test_loader):
        for _ in loader.all():
            pass
    for name in WORKER_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
