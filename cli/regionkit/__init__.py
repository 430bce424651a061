"""regionkit: stand up accelerator regions in colocation partners' datacenters."""

__version__ = "0.1.0"
