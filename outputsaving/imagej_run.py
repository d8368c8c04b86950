"""Running a learner's macro with real ImageJ, headless (the ImageJ track's runner).

:func:`run_macro` runs ``xvfb-run -a java -jar ij.jar -batch MACRO ARG`` with
one argument ``"<input folder>|<output folder>"``: a fresh copy of the input
images and a fresh, empty output folder, so only the files the macro writes
count. The macro runs twice in one ImageJ (as two runs in one Fiji session: a
ROI Manager that is never cleared shows), with its own time limit
(:data:`MACRO_TIMEOUT`): under ``-batch`` ImageJ does not exit on a macro error
or a dialog, it waits. On a timeout the whole process group is killed. The
hidden tests re-run a macro once per notebook
(:func:`outputsaving.grading.imagej_rerun.rerun`), into the evidence folder
that the class grader's audit checks again outside the kernel.

The Java options keep ImageJ within the sandbox: a small heap and compressed
class space (the JVM's defaults reserve more address space than the kernel's
3 GiB cap allows), one garbage collector and compiler thread group (about 16
threads against the sandbox's process limit).

:func:`macro_hints` reads in the macro's text what the grader's plain ImageJ
cannot do (dialogs, Fiji's script parameters, folders of the learner's own
computer, ``waitForUser``), for the messages of
:mod:`outputsaving.grading.imagej`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from outputsaving import monitor
from outputsaving.datasets import MANY_NUCLEI, RANDOM_SHAPES, data_path
from outputsaving.files import copy_regular, open_no_follow, walk_no_follow

__all__ = [
    "IMAGEJ_JARS",
    "INPUTS",
    "MACRO_TIMEOUT",
    "OUTPUT_FOLDER",
    "RUNS",
    "ImageJInstall",
    "MacroRun",
    "find_imagej",
    "imagej_missing_message",
    "macro_hints",
    "run_macro",
]

#: The folder, next to the notebook (and the macro in Fiji), of the macro's files.
OUTPUT_FOLDER = "output"
#: Seconds one re-run of a macro (two runs in one ImageJ) may take.
MACRO_TIMEOUT = 30.0
#: Runs of the macro in one ImageJ per re-run.
RUNS = 2
#: The input images of each activity (copied next to each other for a run).
INPUTS = {1: (RANDOM_SHAPES,), 2: (RANDOM_SHAPES, MANY_NUCLEI)}
#: Where Debian's imagej package puts ImageJ (IMAGEJ_JAR overrides).
IMAGEJ_JARS = (Path("/usr/share/java/ij.jar"), Path("/usr/share/imagej/ij.jar"))
#: The JVM options that fit the sandbox (see the module's docstring).
JAVA_OPTIONS = (
    "-XX:CompressedClassSpaceSize=64m",
    "-XX:ReservedCodeCacheSize=64m",
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-XX:-UsePerfData",
    "-Xss1m",
)
#: Files the grader keeps from one run, at most, and their total size.
MAX_FILES = 200
MAX_BYTES = 64 * 2**20
#: Largest macro read.
MAX_MACRO_BYTES = 1_000_000

#: Dialog calls the grader cannot answer (found in a macro's text).
_DIALOG = re.compile(
    r"(?<![\w.])(getDirectory|getDir|getNumber|getString|getBoolean|"
    r"showMessageWithCancel|showMessage|Dialog\.create|File\.openDialog)\s*\("
    r"(\s*[\"'](\w+)[\"']\s*\))?"
)
#: getDirectory's keys that name a folder of ImageJ's own, with no dialog.
_FOLDER_KEYS = frozenset(
    {
        "home",
        "image",
        "imagej",
        "startup",
        "plugins",
        "macros",
        "luts",
        "temp",
        "current",
        "cwd",
        "file",
        "downloads",
        "preferences",
        "default",
    }
)
_WAIT = re.compile(r"(?<![\w.])waitForUser\s*\(")
_QUIT = re.compile(
    r"""(?<![\w.])(run\s*\(\s*["']Quit["']|System\.exit|eval\s*\(\s*["']script)"""
)
_ABSOLUTE = re.compile(
    r"""["']((?:[A-Za-z]:[\\/]|\\\\|/Users/|/home/|/mnt/|/media/|/Volumes/|~/)"""
    r"""[^"'\n]*)["']"""
)


# -- finding ImageJ ---------------------------------------------------------------


@dataclass(frozen=True)
class ImageJInstall:
    """The programs a re-run needs: ImageJ's jar, ``xvfb-run`` and ``java``."""

    jar: Path
    xvfb_run: str
    java: str
    xwininfo: str | None = None


def find_imagej() -> ImageJInstall | None:
    """The ImageJ of this machine (IMAGEJ_JAR, or Debian's), or None."""
    candidates = (
        [Path(os.environ["IMAGEJ_JAR"])] if os.environ.get("IMAGEJ_JAR") else []
    )
    jar = next((p for p in [*candidates, *IMAGEJ_JARS] if p.is_file()), None)
    xvfb_run = shutil.which("xvfb-run")
    java = shutil.which("java")
    if jar is None or xvfb_run is None or java is None:
        return None
    return ImageJInstall(jar, xvfb_run, java, shutil.which("xwininfo"))


def imagej_missing_message() -> str:
    """What to install, for the instructor (the class grader says it first)."""
    missing = []
    if not any(p.is_file() for p in IMAGEJ_JARS) and not os.environ.get("IMAGEJ_JAR"):
        missing.append("ImageJ (ij.jar)")
    missing += [name for name in ("xvfb-run", "java") if shutil.which(name) is None]
    return (
        "the ImageJ track's hidden tests re-run each learner's macro with ImageJ, "
        f"which is not installed here (missing: {', '.join(missing) or 'ImageJ'}). "
        "On Debian or Ubuntu: 'sudo apt-get install imagej xvfb x11-utils' "
        "(Debian's ImageJ 1.x, not Fiji: /usr/share/java/ij.jar), or set "
        "IMAGEJ_JAR to an ij.jar under /usr; or grade the other assignments "
        "only, with --assignment."
    )


# -- the macro's text -------------------------------------------------------------


def _text_digest(text: str) -> str:
    """A digest of a macro's text that ignores line endings and trailing spaces."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    normal = "\n".join(lines).strip()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def _code_lines(text: str) -> list[str]:
    """The macro's lines without ``//`` comments (``#@`` lines are kept)."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        lines.append(line)
    return lines


def macro_hints(text: str) -> dict[str, list[str]]:
    """What a macro's text shows that the grader's ImageJ cannot do.

    Returns
    -------
    dict
        ``"dialogs"``: dialog calls (the grader cannot answer them);
        ``"parameters"``: Fiji script parameters (``#@`` lines, unknown to
        plain ImageJ); ``"absolute"``: absolute paths of a learner's own
        computer (a Windows drive, ``/Users/...``); ``"folders"``: folders of
        ImageJ's own (``getDirectory("home")``: no dialog, not the output
        folder); ``"waits"``: ``waitForUser`` (a window waiting for a click);
        ``"quits"``: whether it quits ImageJ.
    """
    code = "\n".join(_code_lines(text))
    dialogs, folders = [], []
    for found in _DIALOG.finditer(code):
        call, key = found.group(1), found.group(3)
        if call in ("getDirectory", "getDir") and key and key.lower() in _FOLDER_KEYS:
            folders.append(f'{call}("{key}")')
        else:
            dialogs.append(call)
    parameters = [
        line.strip()[:80]
        for line in code.splitlines()
        if line.lstrip().startswith("#@")
    ]
    absolute = []
    for found in _ABSOLUTE.finditer(code):
        path = found.group(1).replace("\\\\", "\\")
        absolute.append(path[:120])
    return {
        "dialogs": list(dict.fromkeys(dialogs)),
        "parameters": parameters,
        "absolute": list(dict.fromkeys(absolute)),
        "folders": list(dict.fromkeys(folders)),
        "waits": ["waitForUser"] if _WAIT.search(code) else [],
        "quits": bool(_QUIT.search(code)),
    }


def _read_macro(path: Path, *, follow: bool = True) -> tuple[str | None, str]:
    """``(text, problem)``: the macro's text, or why it is not a macro.

    ``follow`` False (the class grader, reading a graded folder): never through
    a link, never a FIFO or device (:func:`outputsaving.files.open_no_follow`).
    """
    try:
        with open(path, "rb") if follow else open_no_follow(path) as handle:
            data = handle.read(MAX_MACRO_BYTES + 1)
    except OSError as error:
        return None, type(error).__name__
    if len(data) > MAX_MACRO_BYTES:
        return None, "a file of more than 1 MB"
    if b"\x00" in data:
        return None, "a binary file"
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        return data.decode("latin-1"), ""


# -- running a macro --------------------------------------------------------------


@dataclass
class MacroRun:
    """What one re-run of a macro gave.

    Attributes
    ----------
    outcome : str
        ``"finished"`` (both runs ended), ``"timeout"`` (killed after
        :data:`MACRO_TIMEOUT`), ``"error"`` (ImageJ showed its "Macro Error"
        window: stopped at once), ``"ended"`` (ImageJ exited before the macro
        ended), ``"no_macro"``, ``"no_imagej"`` or ``"failed"`` (ImageJ could
        not start).
    folder : Path or None
        The output folder, holding what the macro wrote there.
    written : list of str
        The files it wrote there (POSIX paths relative to ``folder``).
    stray : list of str
        Files it wrote elsewhere (next to the input images, in its working
        folder, above its output folder).
    windows : list of str
        Titles of the windows ImageJ showed (its dialogs), when known.
    log : str
        The end of what ImageJ printed.
    """

    outcome: str
    folder: Path | None = None
    written: list[str] = field(default_factory=list)
    stray: list[str] = field(default_factory=list)
    windows: list[str] = field(default_factory=list)
    log: str = ""
    seconds: float = 0.0
    reason: str = ""
    hints: dict = field(default_factory=dict)

    def note(self) -> dict:
        """The run as the evidence note (JSON) the audit reads."""
        data = asdict(self)
        data.pop("folder")
        return data


def _java_options() -> list[str]:
    """A heap that fits the address-space cap this process runs under."""
    import resource  # Linux and macOS only, where ImageJ re-runs are graded

    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    heap = 512
    if soft != resource.RLIM_INFINITY and soft < 2 * 2**30:
        heap = max(96, min(512, soft // 2**20 // 6))
    return [f"-Xmx{heap}m", *JAVA_OPTIONS]


_LAUNCHER = 'printf "%s\\n%s\\n" "$DISPLAY" "$XAUTHORITY" > "$0"; exec "$@"'


def _walk_files(folder: Path) -> list[Path]:
    """Everything but folders under ``folder``, links not followed, in walk order."""
    try:
        return [
            entry.path
            for entry in walk_no_follow(folder)
            if not stat.S_ISDIR(entry.info.st_mode)
        ]
    except OSError:
        return []


def _window_titles(install: ImageJInstall, display_file: Path) -> list[str]:
    """Titles of the top-level windows on ImageJ's virtual display."""
    if install.xwininfo is None:
        return []
    try:
        display, authority = display_file.read_text().splitlines()[:2]
    except (OSError, ValueError):
        return []
    env = {**os.environ, "XAUTHORITY": authority}
    try:
        listed = subprocess.run(
            [install.xwininfo, "-root", "-children", "-display", display],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
            env=env,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    titles = re.findall(r'^\s+0x[0-9a-f]+ "([^"]*)":', listed, re.MULTILINE)
    return [
        title.strip() or "(untitled)"
        for title in titles
        if title not in ("FocusProxy", "ij-ImageJ") and not title.startswith("sun-awt")
    ]


def run_macro(
    macro: Path | str,
    /,
    *,
    activity: int,
    output_dir: Path | None = None,
    timeout: float = MACRO_TIMEOUT,
    runs: int = RUNS,
    argument: bool = True,
    install: ImageJInstall | None = None,
) -> MacroRun:
    """Run a learner's macro with real ImageJ, ``runs`` times in one ImageJ.

    Parameters
    ----------
    macro : path
        The learner's macro file.
    activity : {1, 2}
        Which input images it gets.
    output_dir : Path, optional
        Where the files it writes into its output folder are copied (a fresh
        folder by default, a temporary one).
    timeout : float
        Seconds before the whole process group is killed.
    runs : int
        Runs of the macro, one after the other, in the same ImageJ.
    argument : bool
        Give the macro its argument ``"<input folder>|<output folder>"``
        (the grader's way); False runs it as Fiji does, with no argument,
        from a copy next to the input images (its outputs then go into
        ``output`` next to it).
    install : ImageJInstall, optional
        Default :func:`find_imagej`.

    Returns
    -------
    MacroRun
    """
    macro = Path(macro)
    text, problem = _read_macro(macro) if macro.is_file() else (None, "missing")
    if text is None:
        return MacroRun("no_macro", reason=problem)
    hints = macro_hints(text)
    install = install or find_imagej()
    if install is None:
        return MacroRun("no_imagej", hints=hints, reason=imagej_missing_message())
    if output_dir is None:
        output_dir = Path(tempfile.mkdtemp(prefix="outputsaving-imagej-output-"))
    root = Path(tempfile.mkdtemp(prefix="outputsaving-imagej-"))
    try:
        return _run_in(
            root, text, activity, output_dir, timeout, runs, argument, install, hints
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run_in(root, text, activity, output_dir, timeout, runs, argument, install, hints):
    inputs, output, cwd, grader = (
        root / n for n in ("input", "output", "cwd", "grader")
    )
    for folder in (inputs, output, cwd, grader, grader / "tmp", grader / "home"):
        folder.mkdir()
    originals = set()
    for name in INPUTS[activity]:
        shutil.copyfile(data_path(name), inputs / name)
        originals.add(inputs / name)
    # The macro's text, once per run, in one file: a second run then meets the
    # ROI Manager and results the first one left (each runMacro() of ImageJ's
    # batch mode gets a ROI Manager of its own). A line after each run says it
    # ended.
    nonce = secrets.token_hex(8)
    parts = []
    for number in range(1, runs + 1):
        parts += [text, f'print("outputsaving-{nonce} {number}");']
    macro = (inputs if not argument else grader) / "macro.ijm"
    macro.write_text("\n".join(parts) + "\n", encoding="utf-8")
    if not argument:
        originals.add(macro)
        output = inputs / OUTPUT_FOLDER
    batch = [str(macro), f"{inputs}/|{output}/"] if argument else [str(macro)]
    display_file = grader / "display.txt"
    command = [
        install.xvfb_run,
        "-a",
        "/bin/sh",
        "-c",
        _LAUNCHER,
        str(display_file),
        install.java,
        *_java_options(),
        f"-Djava.io.tmpdir={grader / 'tmp'}",
        f"-Duser.home={grader / 'home'}",
        "-jar",
        str(install.jar),
        "-batch",
        *batch,
    ]
    env = {
        **os.environ,
        "TMPDIR": str(grader / "tmp"),
        "HOME": str(grader / "home"),
    }
    env.pop("DISPLAY", None)
    out_path, err_path = grader / "stdout.txt", grader / "stderr.txt"
    start = time.monotonic()
    windows: list[str] = []
    outcome = None
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )
        try:
            while True:
                try:
                    process.wait(timeout=0.5)
                    break
                except subprocess.TimeoutExpired:
                    pass
                if time.monotonic() - start > timeout:
                    windows = _window_titles(install, display_file)
                    outcome = "timeout"
                    break
                if install.xwininfo and time.monotonic() - start > 1.0:
                    titles = _window_titles(install, display_file)
                    if "Macro Error" in titles:
                        windows, outcome = titles, "error"
                        break
        finally:
            if process.poll() is None or outcome is not None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if outcome is not None:
        _remove_stale_display(display_file)
    seconds = time.monotonic() - start
    printed = _tail(out_path)
    errors = _tail(err_path)
    if outcome is None:
        if f"outputsaving-{nonce} {runs}" in printed:
            outcome = "finished"
        elif not printed.strip() and re.search(
            r"Error occurred during initialization of VM|xvfb-run: error|"
            r"Could not allocate|Unable to access jarfile",
            errors,
        ):
            outcome = "failed"
        else:
            outcome = "ended"
    log = "\n".join(
        line for line in printed.splitlines() if f"outputsaving-{nonce}" not in line
    )
    written = _keep(output, output_dir)
    stray = []
    for path in _walk_files(root):
        if (
            path in originals
            or path.is_relative_to(grader)
            or path.is_relative_to(output)
        ):
            continue
        stray.append(path.relative_to(root).as_posix().split("/", 1)[-1])
    reason = errors.strip()[-500:] if outcome == "failed" else ""
    return MacroRun(
        outcome,
        folder=output_dir,
        written=written,
        stray=stray[:10],
        windows=windows,
        log=log[-2000:],
        seconds=round(seconds, 2),
        reason=reason,
        hints=hints,
    )


def _remove_stale_display(display_file: Path) -> None:
    """Remove the lock and socket a killed Xvfb left in /tmp (outside the sandbox,
    whose /tmp is its own, they would pile up)."""
    try:
        display = display_file.read_text().splitlines()[0]
        number = int(display.rsplit(":", 1)[1].split(".")[0])
        lock = Path(f"/tmp/.X{number}-lock")
        pid = int(lock.read_text().strip())
    except (OSError, ValueError, IndexError):
        return
    deadline = time.monotonic() + 2.0
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if not _alive(pid):
        for path in (lock, Path(f"/tmp/.X11-unix/X{number}")):
            with contextlib.suppress(OSError):
                path.unlink()


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, killed but not reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except OSError:
            return True
        return True
    return state not in ("Z", "X")


def _tail(path: Path, limit: int = 65536) -> str:
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - limit))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _keep(source: Path, destination: Path) -> list[str]:
    """Copy the regular files of ``source`` into ``destination``; their names.

    Links and special files the macro left are not copied, nor followed.
    """
    kept: list[str] = []
    total = 0
    if not source.is_dir() or source.is_symlink():
        return kept
    destination.mkdir(parents=True, exist_ok=True)
    for entry in walk_no_follow(source):
        if not stat.S_ISREG(entry.info.st_mode) or len(kept) >= MAX_FILES:
            continue
        target = destination / entry.relative
        target.parent.mkdir(parents=True, exist_ok=True)
        copied = copy_regular(entry.path, target, limit=MAX_BYTES - total)
        if copied is not None:
            total += copied
            kept.append(entry.relative)
    return kept


monitor.watch(__name__)
