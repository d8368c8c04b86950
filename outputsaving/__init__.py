"""Output saving: check the label masks, results tables and ROI sets learners save.

The course adapts the NEUBIAS training module "Output saving" (CC BY 4.0).
"""

from outputsaving.findings import CheckResult, Finding

__all__ = ["CheckResult", "Finding", "__version__", "rois_from_labels"]

__version__ = "0.1.0"


def __getattr__(name: str):
    # rois_from_labels is imported on first use: it needs SciPy and roifile,
    # which `import outputsaving` alone (the command line) does not.
    if name == "rois_from_labels":
        from outputsaving.rois import rois_from_labels

        return rois_from_labels
    msg = f"module 'outputsaving' has no attribute {name!r}"
    raise AttributeError(msg)
