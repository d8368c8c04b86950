"""Shared fixtures: a real ImageJ, Chromium, the sandbox for learners' code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis_settings import SLOW_IS_FINE

REPO = Path(__file__).resolve().parents[1]

# The same examples on every run: a property test that fails, fails again
# (hypothesis's random search would make CI depend on luck). No timing either:
# no deadline per example, and slow data generation (a loaded machine) is no
# failure. A test's own suppress_health_check replaces this list: add
# hypothesis_settings.SLOW_IS_FINE to it.
settings.register_profile(
    "course",
    derandomize=True,
    deadline=None,
    suppress_health_check=SLOW_IS_FINE,
)
settings.load_profile("course")

IMAGEJ_JARS = (Path("/usr/share/java/ij.jar"), Path("/usr/share/imagej/ij.jar"))
INSTALL_HINT = (
    "ImageJ is not installed: on Debian or Ubuntu run "
    "'sudo apt-get install imagej xvfb' (or set IMAGEJ_JAR to an ij.jar)."
)


LINUX_ONLY = (
    "needs Linux: class grading sandboxes learners' code with Linux namespaces "
    "and process limits (on macOS or Windows, grade in a Linux container or WSL)"
)


#: Markers of tests that run real tools: each makes a test ``slow`` too.
SLOW_TOOLS = ("nbgrader", "sandbox", "imagej", "browser")


def pytest_collection_modifyitems(config, items):
    """Mark the tests of real tools ``slow``; skip ``linux`` tests elsewhere."""
    for item in items:
        if any(item.get_closest_marker(name) for name in SLOW_TOOLS):
            item.add_marker(pytest.mark.slow)
    if "PYTEST_XDIST_WORKER" in os.environ:
        _slow_files_first(items)
    if sys.platform.startswith("linux"):
        return
    skip = pytest.mark.skip(reason=LINUX_ONLY)
    for item in items:
        if item.get_closest_marker("linux") is not None:
            item.add_marker(skip)


def _slow_files_first(items) -> None:
    """Put the files with slow tests first, each file's tests in their order.

    pytest-xdist (``--dist loadfile --no-loadscope-reorder``) hands the files
    to its workers in this order: the long ones start first, and the many
    short ones at the end keep both workers busy to the last.
    """
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)


def _in_ci() -> bool:
    """Whether this is CI (CI=true), where a missing tool fails instead of skipping."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _find_imagej_jar() -> Path | None:
    candidates = [Path(os.environ["IMAGEJ_JAR"])] if "IMAGEJ_JAR" in os.environ else []
    candidates += IMAGEJ_JARS
    return next((jar for jar in candidates if jar.is_file()), None)


def _first_display() -> int:
    """Where ``xvfb-run -a`` starts its search: 99, then 100 on for each worker."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    number = worker.removeprefix("gw")
    return 100 + 20 * int(number) if number.isdigit() else 99


class ImageJ:
    """Run ImageJ 1.x macros headless, under xvfb-run, with the real ij.jar."""

    def __init__(self, jar: Path, xvfb_run: str, java: str) -> None:
        self.jar = jar
        self.xvfb_run = xvfb_run
        self.java = java

    def run(self, macro: str, workdir: Path, *, timeout: float = 600) -> str:
        """Run ``macro`` in batch mode and return what it printed.

        The macro is written to ``workdir``; a macro error fails the test.
        ``timeout`` is a safety net against a hang (a loaded machine is slow).
        """
        script = Path(workdir) / "test_macro.ijm"
        script.write_text(macro, encoding="utf-8")
        command = [
            self.xvfb_run,
            "-a",
            # Each pytest-xdist worker searches its own display numbers: two
            # xvfb-run -a starting at once can pick the same free one.
            f"--server-num={_first_display()}",
            self.java,
            # Not java.awt.headless: the ROI manager needs a (virtual) display.
            "-jar",
            str(self.jar),
            "-batch",
            str(script),
        ]
        completed = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=workdir,
        )
        output = completed.stdout + completed.stderr
        if completed.returncode != 0 or "Macro Error" in output:
            pytest.fail(f"ImageJ macro failed ({completed.returncode}):\n{output}")
        return completed.stdout

    def run_lines(self, macro: str, workdir: Path, **kwargs) -> list[str]:
        """Like :meth:`run`, returning the non-empty printed lines."""
        return [
            line for line in self.run(macro, workdir, **kwargs).splitlines() if line
        ]


@pytest.fixture(scope="session")
def imagej() -> ImageJ:
    """A real ImageJ; skipped (failed in CI, where CI=true) when it is missing."""
    jar = _find_imagej_jar()
    xvfb_run = shutil.which("xvfb-run")
    java = shutil.which("java")
    if jar is None or xvfb_run is None or java is None:
        missing = [
            name
            for name, found in (("ij.jar", jar), ("xvfb-run", xvfb_run), ("java", java))
            if found is None
        ]
        message = f"{INSTALL_HINT} Missing: {', '.join(missing)}."
        if _in_ci():
            pytest.fail(f"CI needs ImageJ for the interop tests. {message}")
        pytest.skip(message)
    return ImageJ(jar, xvfb_run, java)


CHROMIUM_PATHS = (Path("/usr/bin/chromium"), Path("/usr/bin/chromium-browser"))
CHROMIUM_HINT = (
    "Chromium is not installed: on Debian or Ubuntu run "
    "'sudo apt-get install chromium' (or set CHROMIUM to its executable); "
    "the browser tests use it through Playwright, never 'playwright install'."
)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The system's Chromium; skipped (failed in CI, where CI=true) when missing."""
    candidates = [Path(os.environ["CHROMIUM"])] if "CHROMIUM" in os.environ else []
    found = next(
        (path for path in [*candidates, *CHROMIUM_PATHS] if path.is_file()), None
    )
    problem = None if found else CHROMIUM_HINT
    if problem is None:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "Playwright is missing: pip install -c constraints.txt -e .[test]"
    if problem is not None:
        if _in_ci():
            pytest.fail(f"CI needs Chromium and Playwright here. {problem}")
        pytest.skip(problem)
    return found


@pytest.fixture(scope="session", autouse=True)
def _solution_times_across_workers(tmp_path_factory):
    """pytest-xdist's workers share the solution run times their copies measured.

    Each worker's temporary folder is inside the session's: the file beside
    them is every worker's (see ``nbgrader_course.SHARED_TIMES``).
    """
    if "PYTEST_XDIST_WORKER" in os.environ:
        import nbgrader_course

        shared = tmp_path_factory.getbasetemp().parent / "solution_times.json"
        nbgrader_course.SHARED_TIMES = shared


@pytest.fixture(scope="session")
def sandbox_status():
    """The probe of the bubblewrap sandbox for learners' code, run once."""
    from outputsaving.classroom.sandbox import probe_sandbox

    return probe_sandbox()


@pytest.fixture(scope="session")
def sandbox(sandbox_status):
    """The working sandbox; skipped with its fix (failed in CI) where it cannot run."""
    if not sandbox_status.ok:
        message = f"sandbox unavailable: {sandbox_status.detail} {sandbox_status.fix}"
        if _in_ci():
            pytest.fail(f"CI needs the sandbox. {message}")
        pytest.skip(message)
    return sandbox_status


@pytest.fixture(scope="session")
def unsafe(sandbox_status) -> bool:
    """``unsafe`` for grading: True only where the sandbox cannot run here.

    Grading tests then run without the sandbox; in CI (CI=true) they fail
    instead, naming the fix.
    """
    if sandbox_status.ok:
        return False
    if _in_ci():
        pytest.fail(
            "CI needs the sandbox to grade: "
            f"{sandbox_status.detail} {sandbox_status.fix}"
        )
    return True


class Nobody:
    """Runs a Python script as user ``nobody``, with the venv's packages."""

    uid = 65534

    def __init__(self, python: Path, site_packages: Path) -> None:
        self.python = python
        self.site_packages = site_packages

    def prelude(self) -> str:
        """Script lines that put the venv's packages and the repo on sys.path."""
        paths = [str(self.site_packages), str(REPO)]
        return f"import sys\nsys.path[:0] = {paths!r}\n"

    def run(self, script: Path, *, cwd: Path, timeout: float = 600):
        """Run ``script`` (readable by nobody) with ``/usr/bin/python3``.

        ``timeout`` is a safety net against a hang (a loaded machine is slow).
        """
        command = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        return subprocess.run(
            [*command, str(self.python), str(script)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=cwd,
            env={"PATH": "/usr/bin:/bin", "HOME": str(cwd)},
        )


@pytest.fixture(scope="session")
def nobody() -> Nobody:
    """Run code unprivileged, as user nobody (needs root, setpriv, a system Python).

    Nobody cannot reach the venv's interpreter (under root's home here): the
    system Python of the same version runs the script with the venv's packages.
    """
    import nbformat

    if os.geteuid() != 0:
        pytest.skip("switching to user nobody needs root; run the suite as root")
    if shutil.which("setpriv") is None:
        pytest.skip("needs setpriv (util-linux)")
    python = Path("/usr/bin/python3")
    site_packages = Path(nbformat.__file__).resolve().parents[1]
    if not python.exists() or not site_packages.is_relative_to(REPO):
        pytest.skip(
            "needs /usr/bin/python3 of the same version and the venv in the repo"
        )
    # Ask nobody itself: a clone in a private folder (mode 700, as root's home
    # is) cannot be entered by nobody, and the test would fail before it tests
    # anything.
    for path in (REPO, site_packages, python):
        check = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        readable = subprocess.run(
            [*check, "test", "-r", str(path), "-a", "-x", str(path)],
            capture_output=True,
            check=False,
        )
        if readable.returncode != 0:
            pytest.skip(
                f"user nobody cannot read {path} (a folder above it is private): "
                "clone the course where every user may read it (chmod o+rx on "
                "the folders above) to run this test"
            )
    return Nobody(python, site_packages)
