"""Mitogen's linear strategy without Mitogen's CPU pinning.

On a machine with fewer than 4 CPUs, Mitogen pins its connection multiplexer to CPU 0 and the
Ansible top-level process, every worker and every SSH client to CPU 1 (ansible_mitogen.affinity,
FixedPolicy). A 2-core controller then runs all its Ansible work on one core. The plain Policy
pins nothing and leaves placement to the kernel's scheduler.

Loaded by Ansible from ANSIBLE_STRATEGY_PLUGINS (see runner.strategy_env), with Mitogen's own
strategy folder on the same path.
"""

from __future__ import annotations

import ansible_mitogen.affinity
from ansible.plugins.loader import strategy_loader

from regionkit.adapters.ansible.preload import preload_for_workers

# Module attribute, read by the multiplexer, the top-level process and each worker when they start.
ansible_mitogen.affinity.policy = ansible_mitogen.affinity.Policy()

# Before the first worker forks, so that none imports these again (see preload).
preload_for_workers()

StrategyModule = strategy_loader.get("mitogen_linear", class_only=True)
