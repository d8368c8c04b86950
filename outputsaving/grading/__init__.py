"""Grading helpers that the notebooks' test cells call.

A test cell only calls a helper, such as
``activity1.grade_label_mask(save_label_mask)``, so that reading it
after grading gives no answer away. Every helper raises ``AssertionError`` with
learner-facing findings (see :func:`outputsaving.grading.common.assert_passes`)
when the work does not pass, and returns ``None`` when it does.

Modules: :mod:`~outputsaving.grading.common` (shared pieces),
:mod:`~outputsaving.grading.activity1` (activity 1: save file outputs).
"""

from outputsaving.grading import monitor

__all__: list[str] = []


monitor.watch(__name__)
