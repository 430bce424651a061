"""Ansible strategy plugins that regionkit's runner puts on ANSIBLE_STRATEGY_PLUGINS."""
