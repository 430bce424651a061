# Copyright: regionkit contributors
# Apache-2.0 (see galaxy.yml)
"""Jinja filters for dpkg's package state, read once per role with one dpkg-query.

One format and its parser in one place: ``dpkg_query`` builds the command line, ``dpkg_state``
parses what it prints, and ``dpkg_missing`` and ``dpkg_held`` answer the two questions the roles
ask before they touch apt: which packages are not installed at their pins, and which are held
already. A role reads dpkg once instead of letting the apt module load the whole package cache
(about 0.4 s of CPU on each host) only to find that nothing changes.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from ansible.errors import AnsibleFilterError

# Tab-separated, one package per line. ${db:Status-Abbrev} is dpkg's three-letter status: the
# selection (u unknown, i install, h hold, r remove, p purge), the package state (n not installed,
# c config-files, H half-installed, U unpacked, F half-configured, W triggers-awaited, t
# triggers-pending, i installed) and an error flag (space, or R reinstallation required).
FORMAT = "${Package}\t${Version}\t${db:Status-Abbrev}\n"


def dpkg_query(packages):
    """The argv of the one dpkg-query that reads the state of `packages`."""
    if isinstance(packages, str) or not all(isinstance(p, str) for p in packages):
        raise AnsibleFilterError(f"dpkg_query: expected a list of package names, got {packages!r}")
    return ["dpkg-query", "--show", "--showformat", FORMAT, *packages]


def dpkg_state(output):
    """{package: {version, selection, status, installed, held}} from dpkg_query's output.

    A package dpkg does not know at all is absent (dpkg-query says so on stderr). A package with
    several architectures installed counts as installed if one of them is.
    """
    if isinstance(output, dict):
        return output
    if not isinstance(output, str):
        raise AnsibleFilterError(f"dpkg_state: expected dpkg_query's output (a string), got {type(output).__name__}")
    state = {}
    for line in output.splitlines():
        fields = line.split("\t")
        if len(fields) != 3 or len(fields[2]) < 2:
            raise AnsibleFilterError(f"dpkg_state: not a line of dpkg_query's output: {line!r}")
        name, version, abbrev = fields
        selection, status = abbrev[0], abbrev[1]
        # Installed means dpkg finished installing it and nobody selected it for removal.
        installed = status == "i" and selection in "ih"
        if state.get(name, {}).get("installed"):
            continue
        state[name] = {
            "version": version,
            "selection": selection,
            "status": status,
            "installed": installed,
            "held": installed and selection == "h",
        }
    return state


def dpkg_missing(output, packages, version=None):
    """The packages that are not installed at their pins, in the order given.

    `packages` is a list of names (any version will do, or `version` for all of them) or a
    mapping of name to version. A version is a shell-style pattern matched against dpkg's whole
    version string, so ``2.21.5-*`` takes any Debian revision of 2.21.5.
    """
    state = dpkg_state(output)
    pins = dict(packages) if isinstance(packages, dict) else {name: version for name in packages}
    missing = []
    for name, pin in pins.items():
        found = state.get(name, {})
        if not found.get("installed") or (pin not in (None, "") and not fnmatchcase(found["version"], str(pin))):
            missing.append(name)
    return missing


def dpkg_held(output):
    """The packages dpkg holds, installed (selection h, state i), sorted."""
    return sorted(name for name, found in dpkg_state(output).items() if found["held"])


class FilterModule:
    def filters(self):
        return {
            "dpkg_query": dpkg_query,
            "dpkg_state": dpkg_state,
            "dpkg_missing": dpkg_missing,
            "dpkg_held": dpkg_held,
        }
