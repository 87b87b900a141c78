"""The whole loop on synthetic returns: templates, coordinators filling them in, collation."""

from .run import DemoResult, run_demo

__all__ = ["DemoResult", "run_demo"]
