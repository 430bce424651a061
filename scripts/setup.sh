#!/usr/bin/env bash
# Set up regionkit on a fresh Debian 12 machine: system packages, then a virtualenv in .venv
# with regionkit and its development tools. Idempotent; safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

# python for regionkit; the lab: debootstrap (base image), apt-cacher-ng (apt proxy), ssh client,
# iproute2/util-linux (namespaces, veth, unshare, setpriv), iperf3 (link throughput), curl;
# nftables: the tests check the host firewall's rule sets with `nft -c` (nothing is loaded here);
# gnupg: signs the package repository the lab serves to stand-ins; npm (Microsoft's SARIF multitool)
# only where no npm is on PATH: a Node.js from elsewhere (nodesource) carries its own and conflicts.
apt_packages=(python3 python3-venv python3-pip git debootstrap apt-cacher-ng openssh-client iproute2 util-linux iperf3 curl ca-certificates nftables gnupg)
command -v npm >/dev/null || apt_packages+=(npm)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing Debian packages: ${missing[*]}; run this script as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "setup: apt-get install ${missing[*]}"
  # Packaged daemons (apt-cacher-ng) must not start system-wide: the lab runs its own instance
  # on its bridge. A temporary policy-rc.d says so to the maintainer scripts.
  policy=/usr/sbin/policy-rc.d
  added_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && added_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if ((added_policy)); then rm -f "$policy"; fi
fi

if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
# Microsoft's SARIF multitool checks the SARIF regionkit writes against GitHub's ingestion rules
# (tests/unit/reports/test_sarif.py); it comes from npm, so only where npm is installed.
multitool=.tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
if [[ ! -f "$multitool" ]] && command -v npm >/dev/null; then
  npm install -s --prefix .tools --no-audit --no-fund @microsoft/sarif-multitool-linux@5.7.0 >/dev/null 2>&1 \
    || echo "setup: could not install the SARIF multitool with npm; scripts/check.sh will fail its test" >&2
fi
if [[ -f "$multitool" ]]; then chmod u+x "$multitool"; fi
echo "setup: ready ($(.venv/bin/regionkit --version))"
