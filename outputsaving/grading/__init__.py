"""Grading helpers that the notebooks' test cells call.

A test cell only calls a helper, such as
``activity1.grade_label_mask(save_label_mask)``, so that reading it
after grading gives no answer away. Every helper raises ``AssertionError`` with
learner-facing findings (see :func:`outputsaving.grading.common.assert_passes`)
when the work does not pass, and returns ``None`` when it does.

Modules, one per assignment: :mod:`~outputsaving.grading.activity1` and
:mod:`~outputsaving.grading.activity1_unseen` (save file outputs, and its
hidden tests on unseen data), :mod:`~outputsaving.grading.activity2` and
:mod:`~outputsaving.grading.activity2_unseen` (customise output saving, and its
hidden tests on unseen data), :mod:`~outputsaving.grading.quiz`,
:mod:`~outputsaving.grading.imagej` (the ImageJ track, with
:mod:`~outputsaving.grading.imagej_rerun`, the hidden tests' re-run with
:mod:`outputsaving.imagej_run`, and :mod:`~outputsaving.grading.imagej_words`,
Fiji's wording). Shared:
:mod:`~outputsaving.grading.common`, :mod:`~outputsaving.grading.literals`
(answers read without running them), :mod:`~outputsaving.grading.evidence`
(what the class grader's audit checks again, with :mod:`outputsaving.monitor`),
:mod:`~outputsaving.grading.rerun` (the settings re-run),
:mod:`~outputsaving.grading.environment` (what the class grader sets in the
kernel's environment: the grader flag, the unseen seed) and
:mod:`~outputsaving.grading.feedback` (what the feedback shows).

What the class grader re-checks of each assignment's tasks, declared once:
the task type :mod:`~outputsaving.grading.tasks`; the declarations
:mod:`~outputsaving.grading.activity1_tasks`,
:mod:`~outputsaving.grading.activity2_tasks`,
:mod:`~outputsaving.grading.quiz_tasks` and
:mod:`~outputsaving.grading.imagej_tasks`, listed in
:mod:`~outputsaving.grading.assignments`; and
:mod:`~outputsaving.grading.evidence_notes` (the tests' evidence read back).
"""

from outputsaving import monitor

__all__: list[str] = []


monitor.watch(__name__)
