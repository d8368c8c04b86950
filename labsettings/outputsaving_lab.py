"""The course's Jupyter server extension: Validate's dialog starts with a summary.

nbgrader's Validate button posts to ``/assignments/validate``; nbgrader's
server extension runs its Validator there and nbgrader's labextension shows
every failing test in full, with no summary (issue 21 §3). This extension
answers that address instead, with nbgrader's own handler and a Validator
that does what nbgrader's does and, when tests fail, puts one line first::

    2 of 5 checks fail: tasks 2 and 4. Each is shown below, with its message.

The line is a first entry of ``failed``, which the labextension shows first;
the style sheet of this package's small labextension (``outputsaving-lab``)
hides the "The following cell failed:" heading and the empty code box
nbgrader's labextension draws above it. Every other answer (changed test
cells, errors, success) is nbgrader's own; ``passed`` is never returned (the
labextension's branch for it is broken).

Validate is also quicker (issue 21 §5): nbgrader starts a kernel for each
press, and the notebook's first cell then imports numpy, pandas, matplotlib,
scikit-image and the file libraries, about 2 s of a 4 to 5 s press on 2
cores. This extension keeps one spare kernel, started ahead and with those
libraries imported (:data:`WARM_UP`, nothing of the course or the learner's),
and hands it to nbgrader's Execute for the next press, after moving it into
the notebook's folder; a new spare starts after each press. The notebook's
cells all run, in order, in a kernel that has run none of them, as before.

``jupyter_server_config.d/outputsaving_lab.json`` enables it; nbgrader's own
server extension stays enabled (its other address, the version check, is
used) and is loaded first (extensions load by name), so this one puts its
route ahead of nbgrader's.

The spare costs one idle kernel per running server (about 130 MB resident, with its
libraries): on a JupyterHub with many learners, an administrator may turn it
off with ``c.OutputSavingLab.spare_kernel = False`` in the servers'
configuration; Validate then starts its kernel per press, as nbgrader does.
"""

from __future__ import annotations

import html
import os
import re
import traceback
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from jupyter_server.utils import url_path_join
from nbgrader import utils
from nbgrader.nbgraderformat import SchemaTooNewError, SchemaTooOldError
from nbgrader.preprocessors import Execute
from nbgrader.server_extensions.validate_assignment import handlers as nbgrader_handlers
from nbgrader.validator import Validator
from tornado import ioloop, web

__all__ = ["CourseValidator", "summary_line"]

#: The class of the summary's element in the dialog (the style sheet's hook).
SUMMARY_CLASS = "outputsaving-validate-summary"
_TASK = re.compile(r"task(\d+)")


def _has_code(cell) -> bool:
    """A test cell with code (a hidden test's cell holds only its comment)."""
    return cell.cell_type == "code" and any(
        line.strip() and not line.strip().startswith("#")
        for line in cell.source.splitlines()
    )


def _task(cell) -> int | None:
    found = _TASK.search(cell.metadata.get("nbgrader", {}).get("grade_id", ""))
    return int(found.group(1)) if found else None


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def summary_line(checks: int, failed: int, tasks: list[int]) -> str:
    """``2 of 5 checks fail: tasks 2 and 4. Each is shown below, with its message.``

    ``checks``: the notebook's tests that run now (hidden tests, run when
    graded, are not counted); ``failed``: those that fail; ``tasks``: their
    task numbers, if their grade ids name them.
    """
    verb = "fails" if failed == 1 else "fail"
    line = f"{failed} of {max(checks, failed)} checks {verb}"
    numbers = sorted(set(tasks))
    if numbers:
        noun = "task" if len(numbers) == 1 else "tasks"
        line += f": {noun} {_and([str(n) for n in numbers])}"
    shown = "It is shown" if failed == 1 else "Each is shown"
    return f"{line}. {shown} below, with its message."


#: What a spare kernel runs while it waits: the libraries the course's
#: notebooks import in their first cell (third-party only; an import that
#: fails is left to the notebook's own cell to report).
WARM_UP = """\
def _outputsaving_warm_up():
    import importlib
    for name in ("numpy", "pandas", "matplotlib.pyplot", "tifffile", "roifile",
                 "PIL.Image", "imageio", "skimage.color", "skimage.filters",
                 "skimage.measure", "skimage.segmentation"):
        try:
            importlib.import_module(name)
        except Exception:
            pass
_outputsaving_warm_up()
del _outputsaving_warm_up
"""
#: The kernel the spare is, and how nbclient starts a Python kernel.
KERNEL_NAME = "python3"
KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:"]
#: What nbgrader's Validator sets in the environment of the kernel it starts.
VALIDATE_ENV = {"NBGRADER_VALIDATING": "1", "NBGRADER_EXECUTION": "validate"}


class SpareKernel:
    """One kernel started ahead of the next Validate, its libraries imported."""

    def __init__(self, log=None) -> None:
        self.log = log
        self.km = None
        self.kc = None
        #: False: no spare is kept (``c.OutputSavingLab.spare_kernel = False``).
        self.enabled = True

    def start(self) -> None:
        """Start the spare, if there is none (called from the server's loop)."""
        if self.km is None and self.enabled:
            try:
                run_sync(self._start)()
            except Exception:  # Validate then starts its own kernel
                self.km = self.kc = None
                if self.log is not None:
                    self.log.warning("outputsaving_lab: no spare kernel", exc_info=True)

    async def _start(self) -> None:
        km = AsyncKernelManager(kernel_name=KERNEL_NAME)
        await km.start_kernel(
            env={**os.environ, **VALIDATE_ENV}, extra_arguments=KERNEL_ARGUMENTS
        )
        kc = km.client()
        kc.start_channels()
        kc.execute(WARM_UP, silent=True, store_history=False)
        self.km, self.kc = km, kc

    def take(self, folder: str, kernel_name: str):
        """The spare's kernel manager, its kernel now in ``folder``; or None."""
        km, kc, self.km, self.kc = self.km, self.kc, None, None
        if km is None or kernel_name != KERNEL_NAME:
            if km is not None:
                run_sync(km.shutdown_kernel)(now=True)
            return None
        try:
            run_sync(self._move)(km, kc, folder)
        except Exception:
            if self.log is not None:
                self.log.warning("outputsaving_lab: spare kernel lost", exc_info=True)
            run_sync(km.shutdown_kernel)(now=True)
            return None
        return km

    @staticmethod
    async def _move(km, kc, folder: str) -> None:
        if not await km.is_alive():
            raise RuntimeError("the spare kernel died")
        code = f"import os as _os; _os.chdir({folder!r}); del _os"
        msg_id = kc.execute(code, silent=True, store_history=False)
        while True:  # the warm-up's reply comes first
            reply = await kc.get_shell_msg(timeout=120)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        kc.stop_channels()
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"the spare kernel could not move to {folder}")


SPARE = SpareKernel()


class CourseValidator(Validator):
    """nbgrader's Validator, with a summary line first when tests fail."""

    _checks: tuple = ()
    _failed: tuple = ()

    def _get_failed_cells(self, nb):
        failed = super()._get_failed_cells(nb)
        self._checks = [c for c in nb.cells if utils.is_grade(c) and _has_code(c)]
        self._failed = failed
        return failed

    def _preprocess(self, nb):
        """nbgrader's, with the spare kernel (if any) for its Execute."""
        resources = {}
        with utils.setenv(**VALIDATE_ENV):
            for preprocessor in self.preprocessors:
                pp = preprocessor(parent=self)
                km = None
                if preprocessor is Execute:
                    name = nb.metadata.get("kernelspec", {}).get("name", KERNEL_NAME)
                    km = SPARE.take(os.getcwd(), name)  # the notebook's folder
                if km is None:
                    nb, resources = pp.preprocess(nb, resources)
                    continue
                try:
                    nb, resources = pp.preprocess(nb, resources, km=km)
                finally:
                    if pp.kc is not None:
                        pp.kc.stop_channels()
                    run_sync(km.shutdown_kernel)(now=True)
        return nb

    def validate(self, filename: str):
        results = super().validate(filename)
        if results.get("failed"):
            line = summary_line(
                len(self._checks),
                len(self._failed),
                [t for t in map(_task, self._failed) if t is not None],
            )
            results["failed"].insert(
                0,
                {
                    "source": "",
                    "error": f'<strong class="{SUMMARY_CLASS}">{html.escape(line)}'
                    "</strong>",
                    "raw_error": line,
                },
            )
        return results


class CourseValidateHandler(nbgrader_handlers.ValidateAssignmentHandler):
    """nbgrader's handler of ``/assignments/validate``, with :class:`CourseValidator`.

    Its ``validate_notebook`` is nbgrader's (0.9), with the course's Validator:
    the same path check, configuration and answers for errors.
    """

    def validate_notebook(self, path):
        root = Path(self.root_dir).resolve()
        target = (root / path).resolve()
        if not target.is_relative_to(root):
            raise web.HTTPError(403, "Access denied: path outside allowed directory")
        fullpath = str(target)
        try:
            result = CourseValidator(config=self.load_config()).validate(fullpath)
        except SchemaTooOldError:
            self.log.error(traceback.format_exc())
            value = (
                f"The notebook '{fullpath}' uses an old version of the nbgrader "
                "metadata format. Please **back up this notebook** and then update "
                f"the metadata using:\n\nnbgrader update {fullpath}\n"
            )
        except SchemaTooNewError:
            self.log.error(traceback.format_exc())
            value = (
                f"The notebook '{fullpath}' uses a newer version of the nbgrader "
                "metadata format. Please update your version of nbgrader to the "
                "latest version to be able to use this notebook."
            )
        except Exception:
            self.log.error(traceback.format_exc())
            value = traceback.format_exc()
        else:
            return {"success": True, "value": result}
        return {"success": False, "value": value}

    @web.authenticated
    def post(self):
        super().post()
        # The next press's kernel, once this answer is sent.
        ioloop.IOLoop.current().add_callback(SPARE.start)


def spare_kernel_enabled(config) -> bool:
    """``c.OutputSavingLab.spare_kernel`` (True when not set)."""
    value = config.get("OutputSavingLab", {}).get("spare_kernel", True)
    return value not in (False, "False", "false", "0", 0)


def put_first(webapp, handler) -> None:
    """Move the host rule that routes to ``handler`` ahead of the others.

    Tornado tries its host rules in order, and nbgrader's rule for the same
    address came first.
    """
    rules = webapp.default_router.rules
    (index,) = (
        i
        for i, rule in enumerate(rules)
        if any(
            getattr(sub, "target", None) is handler
            for sub in getattr(rule.target, "rules", ())
        )
    )
    rules.insert(0, rules.pop(index))


def _jupyter_server_extension_points():
    return [{"module": "outputsaving_lab"}]


def _load_jupyter_server_extension(serverapp):
    webapp = serverapp.web_app
    webapp.settings.setdefault("root_dir", serverapp.root_dir)
    route = url_path_join(webapp.settings["base_url"], r"/assignments/validate")
    webapp.add_handlers(".*$", [(route, CourseValidateHandler)])
    put_first(webapp, CourseValidateHandler)
    SPARE.log = serverapp.log
    SPARE.enabled = spare_kernel_enabled(serverapp.config)
    ioloop.IOLoop.current().add_callback(SPARE.start)  # once the server runs
    serverapp.log.info("outputsaving_lab: Validate's dialog starts with a summary")
