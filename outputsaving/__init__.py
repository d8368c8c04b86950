"""Output saving: check the label masks, results tables and ROI sets learners save.

The course adapts the NEUBIAS training module "Output saving" (CC BY 4.0).
"""

from outputsaving.findings import CheckResult, Finding

__all__ = ["CheckResult", "Finding", "__version__"]

__version__ = "0.1.0"
