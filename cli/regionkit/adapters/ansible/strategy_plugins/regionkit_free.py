"""Mitogen's free strategy without Mitogen's CPU pinning (opt-in: REGIONKIT_ANSIBLE_STRATEGY=regionkit_free).

Under a linear strategy every host waits for every other host after each task, and a host that
includes another vendor's role waits for that vendor's hosts to finish: the lab's four vendor
roles then run one after another, two hosts at a time. The free strategy lets each host run its
own tasks as fast as it can, so the vendor roles run side by side. Nothing in the roles orders
work across hosts (the one cross-host limit, the apt refresh's `throttle`, holds under free too).
Not the default: with one host's link down, ansible-core 2.19's free strategy can stop mid-play
(IndexError in free.py: its next-host index outlives the host dropping out; seen in check mode,
the lab drift test's unreachable case), where linear reports the host unreachable and goes on.

The CPU policy is the one regionkit_linear explains: on a controller with fewer than 4 CPUs
Mitogen would pin all Ansible work to one core.
"""

from __future__ import annotations

import ansible_mitogen.affinity
from ansible.plugins.loader import strategy_loader

from regionkit.adapters.ansible.preload import preload_for_workers

ansible_mitogen.affinity.policy = ansible_mitogen.affinity.Policy()

# Before the first worker forks, so that none imports these again (see preload).
preload_for_workers()

StrategyModule = strategy_loader.get("mitogen_free", class_only=True)
