"""Alibaba Cloud API calls regionkit makes itself (outside the Pulumi program)."""
