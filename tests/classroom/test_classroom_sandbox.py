"""The sandbox for learners' code: each isolation property proved with real processes.

Every test starts real bubblewrap sandboxes (and real Jupyter kernels in them)
and tries, from inside, what hostile code would try. The tests are skipped with
the probe's fix when the sandbox cannot run here (failed in CI, where CI=true).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook
from nbgrader_course import Course, answer_cell, grade_ids, with_answers
from waiting import LIFETIME, PATIENCE, processes_with, wait_until, wait_until_gone

from outputsaving.classroom.kernels import (
    BlockingSandboxedKernelManager,
    SandboxedKernelManager,
)
from outputsaving.classroom.sandbox import sandbox_command

REPO = Path(__file__).resolve().parents[2]
MiB = 2**20


#: Every test is skipped with the fix (failed in CI) where the sandbox cannot run.
pytestmark = [
    pytest.mark.linux,
    pytest.mark.usefixtures("sandbox"),
    pytest.mark.sandbox,
]


@pytest.fixture
def course(tmp_path):
    """A small course directory: sources, a gradebook, two students' folders.

    ``workdir`` is alice's working copy (what the sandbox may see).
    """
    root = tmp_path / "course"
    solution = root / "source" / "activity1" / "activity1.ipynb"
    solution.parent.mkdir(parents=True)
    solution.write_text('{"secret": "SOLUTION-TEXT"}')
    gradebook = root / "gradebook.db"
    with sqlite3.connect(gradebook) as db:
        db.execute("CREATE TABLE grade (student TEXT, score REAL)")
        db.execute("INSERT INTO grade VALUES ('alice', 1.0)")
    db.close()
    bob = root / "submitted" / "bob" / "activity1"
    bob.mkdir(parents=True)
    (bob / "activity1.ipynb").write_text("BOB-NOTEBOOK")
    workdir = root / "autograded" / "alice" / "activity1"
    workdir.mkdir(parents=True)
    (workdir / "activity1.ipynb").write_text("ALICE-NOTEBOOK")

    class Course:
        pass

    course = Course()
    course.root, course.solution, course.gradebook = root, solution, gradebook
    course.bob, course.workdir = bob, workdir
    return course


def run_sandboxed(code: str, *, workdir: Path, timeout: float = PATIENCE, **options):
    """Run Python ``code`` in the sandbox; return the completed process."""
    options.setdefault("memory_bytes", 1024 * MiB)
    options.setdefault("max_processes", 32)
    options.setdefault("max_file_bytes", 16 * MiB)
    command = sandbox_command(
        [sys.executable, "-c", textwrap.dedent(code)], workdir=workdir, **options
    )
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def report_of(done: subprocess.CompletedProcess) -> dict:
    """The JSON report the sandboxed code printed last."""
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


# Code run inside the sandbox: try ``action`` on a path, report the error's name.
ATTEMPT = """
import json, os, sys
def attempt(action, path):
    try:
        action(path)
    except OSError as error:
        return type(error).__name__
    return "allowed"
def read(path):
    with open(path, "rb") as f:
        f.read()
def append(path):
    with open(path, "ab") as f:
        f.write(b"hacked")
def create(path):
    with open(path, "xb") as f:
        f.write(b"hacked")
"""


def detach_code(marker: str, heartbeat: Path) -> str:
    """Python code that leaves two detached processes behind, marked ``marker``.

    One daemonises by double fork and setsid (ignoring SIGHUP and SIGTERM);
    the other is started like ``nohup ... &`` in a new session. Both keep
    writing to ``heartbeat`` until they are killed.
    """
    beat = (
        "import os, signal, time\n"
        "signal.signal(signal.SIGHUP, signal.SIG_IGN)\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "while True:\n"
        f"    with open({str(heartbeat)!r}, 'a') as f: f.write('.')\n"
        "    time.sleep(0.05)\n"
        f"# {marker}"
    )
    return textwrap.dedent(
        f"""
        import os, subprocess, sys
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execv(sys.executable, [sys.executable, "-c", {beat!r}])
            os._exit(0)
        os.wait()
        subprocess.Popen(
            ["nohup", sys.executable, "-c", {beat!r}],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        """
    )


def wait_for_marker(marker: str, count: int) -> None:
    wait_until(
        lambda: len(processes_with(marker)) >= count,
        what=f"{count} processes {marker} started",
    )


# -- the probe -------------------------------------------------------------------


def test_probe_finds_a_working_sandbox(sandbox):
    assert sandbox.ok
    assert sandbox.fix == ""
    assert "no network" in sandbox.detail


def test_sandbox_command_refuses_bad_arguments(course, tmp_path):
    with pytest.raises(ValueError, match="argv"):
        sandbox_command([], workdir=course.workdir)
    with pytest.raises(ValueError, match="workdir"):
        sandbox_command(["true"], workdir=tmp_path / "missing")
    with pytest.raises(ValueError, match="cwd"):
        sandbox_command(["true"], workdir=course.workdir, cwd=course.root)
    with pytest.raises(ValueError, match="readable"):
        sandbox_command(["true"], workdir=course.workdir, readable=[tmp_path / "nope"])


# -- files -----------------------------------------------------------------------


def test_cannot_read_the_sources_the_gradebook_or_another_student(course):
    readable = course.root / "data"
    readable.mkdir()
    (readable / "input.txt").write_text("INPUT")
    targets = {
        "solution": course.solution,
        "gradebook": course.gradebook,
        "bob": course.bob / "activity1.ipynb",
        "own": course.workdir / "activity1.ipynb",
        "data": readable / "input.txt",
        "readme": REPO / "README.md",
        "source": REPO / "source",
    }
    done = run_sandboxed(
        ATTEMPT
        + f"""
targets = {json.dumps({k: str(v) for k, v in targets.items()})}
report = {{name: attempt(read, path) for name, path in targets.items()}}
report["source"] = os.path.exists(targets["source"])
report["course"] = sorted(os.listdir({str(course.root)!r}))
report["repo"] = sorted(os.listdir({str(REPO)!r}))
print(json.dumps(report))
""",
        workdir=course.workdir,
        readable=[readable],
    )
    report = report_of(done)
    # Outside the working copy, the course does not exist for the sandbox.
    assert report["solution"] == "FileNotFoundError"
    assert report["gradebook"] == "FileNotFoundError"
    assert report["bob"] == "FileNotFoundError"
    assert report["readme"] == "FileNotFoundError"
    assert report["source"] is False
    assert report["course"] == ["autograded", "data"]
    # The repository (an editable install) shows its package and venv only.
    assert set(report["repo"]) <= {"outputsaving", ".venv"}
    assert "outputsaving" in report["repo"]
    # Positive controls: its own copy and the readable extras.
    assert report["own"] == "allowed"
    assert report["data"] == "allowed"


def test_cannot_write_the_gradebook_other_students_or_the_environment(course):
    before = course.gradebook.read_bytes()
    package_file = REPO / "outputsaving" / "grading_hack.py"
    site_file = Path(sys.prefix) / "sitecustomize.py"
    attempts = {
        "gradebook": ("append", course.gradebook),
        "new_gradebook": ("create", course.root / "gradebook.db"),
        "bob": ("append", course.bob / "activity1.ipynb"),
        "bob_new": ("create", course.bob / "extra.txt"),
        "package": ("create", package_file),
        "checker": ("append", REPO / "outputsaving" / "labels.py"),
        "venv": ("create", site_file),
        "own": ("create", course.workdir / "output.txt"),
    }
    code = ATTEMPT + "report = {}\n"
    for name, (action, path) in attempts.items():
        code += f"report[{name!r}] = attempt({action}, {str(path)!r})\n"
    code += (
        "report['read_only'] = [bool(os.statvfs(p).f_flag & os.ST_RDONLY) for p in "
        f"{[str(REPO / 'outputsaving'), sys.prefix]!r}]\n"
        "print(json.dumps(report))\n"
    )
    report = report_of(run_sandboxed(code, workdir=course.workdir))
    # The course's files are not in the sandbox: an attempt fails, or (as an
    # ordinary user, where the folders above the working copy lie on the
    # sandbox's own writable /tmp) writes a file of the sandbox's own. Either
    # way the real files are unchanged: that is checked below, on them. (There,
    # the append to the gradebook's path makes the sandbox's own file first, so
    # creating it anew then finds it: FileExistsError.)
    refused = {"FileNotFoundError", "PermissionError", "OSError"}
    unprivileged = {*refused, "allowed", "FileExistsError"}
    for name in ("gradebook", "new_gradebook", "bob", "bob_new"):
        assert report[name] in (refused if os.geteuid() == 0 else unprivileged), name
    for name in ("package", "checker", "venv"):
        assert report[name] in {"PermissionError", "OSError"}, name
    # Package and environment are read-only mounts (whatever the uid).
    assert report["read_only"] == [True, True]
    assert report["own"] == "allowed"
    # Nothing changed outside the working copy.
    assert course.gradebook.read_bytes() == before
    assert sorted(p.name for p in course.bob.iterdir()) == ["activity1.ipynb"]
    assert (course.bob / "activity1.ipynb").read_text() == "BOB-NOTEBOOK"
    assert not package_file.exists()
    assert not site_file.exists()
    assert (course.workdir / "output.txt").read_bytes() == b"hacked"


def test_a_symlink_made_by_the_code_leads_nowhere(course):
    done = run_sandboxed(
        ATTEMPT
        + f"""
os.symlink({str(course.gradebook)!r}, "gradebook-link")
os.symlink({str(course.solution)!r}, "solution-link")
print(json.dumps({{
    "gradebook": attempt(read, "gradebook-link"),
    "solution": attempt(read, "solution-link"),
    "write": attempt(append, "gradebook-link"),
}}))
""",
        workdir=course.workdir,
    )
    before = course.gradebook.read_bytes()
    report = report_of(done)
    assert report["gradebook"] == report["solution"] == "FileNotFoundError"
    # Writing through the link creates nothing outside the sandbox.
    assert report["write"] in {"FileNotFoundError", "PermissionError", "allowed"}
    assert course.gradebook.read_bytes() == before


def test_tmp_is_private_and_capped(course):
    name = f"osk-test-{uuid.uuid4().hex}"
    done = run_sandboxed(
        f"""
import json, os
with open("/tmp/{name}", "w") as f:
    f.write("x")
chunk = b"x" * 2**20
written, error = 0, None
try:
    with open("/tmp/big", "wb") as f:
        for _ in range(16):
            f.write(chunk)
            f.flush()
            written += 1
except OSError as e:
    error = e.errno
print(json.dumps({{"written": written, "error": error}}))
""",
        workdir=course.workdir,
        tmp_bytes=4 * MiB,
    )
    report = report_of(done)
    assert report["error"] == errno.ENOSPC
    assert report["written"] <= 4
    assert not Path("/tmp", name).exists()


def test_environment_of_the_grader_is_not_passed_on(course, monkeypatch):
    monkeypatch.setenv("GRADEBOOK_URL", "postgresql://grader:secret@db/course")
    report = report_of(
        run_sandboxed(
            "import json, os; print(json.dumps(dict(os.environ)))",
            workdir=course.workdir,
            env={"EXTRA": "yes"},
        )
    )
    assert "GRADEBOOK_URL" not in report
    assert report["HOME"] == "/tmp"
    assert report["OPENBLAS_NUM_THREADS"] == report["OMP_NUM_THREADS"] == "1"
    assert report["MPLCONFIGDIR"].startswith("/tmp/")
    assert report["EXTRA"] == "yes"


# -- network and processes ---------------------------------------------------------


def test_no_network(course):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    abstract_name = f"\0osk-test-{uuid.uuid4().hex}"
    abstract.bind(abstract_name)
    abstract.listen()
    try:
        done = run_sandboxed(
            f"""
import json, socket
def connect(family, address):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(address)
    except OSError as error:
        return type(error).__name__
    return "connected"
print(json.dumps({{
    "interfaces": sorted(name for _, name in socket.if_nameindex()),
    "host_loopback": connect(socket.AF_INET, ("127.0.0.1", {port})),
    "internet": connect(socket.AF_INET, ("1.1.1.1", 53)),
    "abstract_unix": connect(socket.AF_UNIX, {abstract_name!r}),
}}))
""",
            workdir=course.workdir,
        )
        # Positive control: the same connections work from outside.
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        outside = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        outside.connect(abstract_name)
        outside.close()
    finally:
        listener.close()
        abstract.close()
    report = report_of(done)
    assert report["interfaces"] == ["lo"]
    assert report["host_loopback"] == "ConnectionRefusedError"
    assert report["internet"] in {"OSError", "TimeoutError"}
    assert report["abstract_unix"] == "ConnectionRefusedError"


def test_cannot_see_the_machines_processes(course):
    report = report_of(
        run_sandboxed(
            "import json, os; print(json.dumps(sorted("
            "int(p) for p in os.listdir('/proc') if p.isdigit())))",
            workdir=course.workdir,
        )
    )
    # bubblewrap's init and the Python process: nothing of the host.
    assert report == [1, 2]


def test_detached_processes_end_with_the_sandbox(course):
    marker = f"osk-detached-{uuid.uuid4().hex}"
    heartbeat = course.workdir / "heartbeat.txt"
    done = run_sandboxed(
        detach_code(marker, heartbeat)
        # Its main process ends once the detached ones have beaten (4 beats).
        + "import time\n"
        "while not (os.path.exists('heartbeat.txt')"
        " and os.path.getsize('heartbeat.txt') >= 4):\n"
        "    time.sleep(0.01)\n"
        "print('{}')\n",
        workdir=course.workdir,
    )
    report_of(done)
    assert wait_until_gone(marker) == []
    size = heartbeat.stat().st_size
    assert size >= 4  # the detached processes did run
    time.sleep(0.3)  # none is left (above): nothing may beat any more
    assert heartbeat.stat().st_size == size


def test_killing_the_process_that_started_the_sandbox_ends_it(course):
    marker = f"osk-starter-{uuid.uuid4().hex}"
    beat = course.workdir / "beat.txt"
    inner = sandbox_command(
        [
            sys.executable,
            "-c",
            detach_code(marker, beat) + f"import time\ntime.sleep({LIFETIME})\n",
        ],
        workdir=course.workdir,
        memory_bytes=1024 * MiB,
        max_processes=32,
        max_file_bytes=MiB,
    )
    # The grader: a process that starts the sandbox and is then killed (-9).
    starter = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import subprocess, time; subprocess.Popen({inner!r}); "
            f"time.sleep({LIFETIME})",
        ]
    )
    try:
        # Once they beat, bubblewrap is set up: the kill comes after the
        # narrow start-up window its --die-with-parent cannot cover (its issue
        # 633: a parent killed then leaves the sandbox running).
        wait_until(
            lambda: beat.exists() and beat.stat().st_size >= 4,
            what="the detached processes beat",
        )
    finally:
        starter.kill()
        starter.wait()
    assert wait_until_gone(marker) == []


# -- resource limits ---------------------------------------------------------------


def test_memory_cap_stops_a_memory_bomb(course):
    done = run_sandboxed(
        """
import json
report = {}
try:
    block = bytearray(2**30)
    report["one_block"] = "allocated"
except MemoryError:
    report["one_block"] = "MemoryError"
hoard, total = [], 0
try:
    while True:
        hoard.append(bytearray(16 * 2**20))
        total += 16
except MemoryError:
    report["hoarded_mib"] = total
del hoard
print(json.dumps(report))
""",
        workdir=course.workdir,
        memory_bytes=256 * MiB,
    )
    report = report_of(done)
    assert report["one_block"] == "MemoryError"
    assert 0 < report["hoarded_mib"] < 256


def test_file_size_cap(course):
    done = run_sandboxed(
        """
import json
try:
    with open("huge.bin", "wb") as f:
        for _ in range(8):
            f.write(b"x" * 2**20)
    error = None
except OSError as e:
    error = e.errno
print(json.dumps({"error": error}))
""",
        workdir=course.workdir,
        max_file_bytes=2 * MiB,
    )
    assert report_of(done) == {"error": errno.EFBIG}
    assert (course.workdir / "huge.bin").stat().st_size == 2 * MiB


def test_process_cap_contains_a_fork_bomb(course):
    marker = f"osk-bomb-{uuid.uuid4().hex}"
    cap = 16
    done = run_sandboxed(
        f"""
import json, os, time
# {marker}
children = []
try:
    while len(children) < 1000:
        pid = os.fork()
        if pid == 0:
            time.sleep({LIFETIME})
            os._exit(0)
        children.append(pid)
except OSError as error:
    refused = error.errno
for pid in children:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
children = len(children)
# Now a real fork bomb, for two seconds, counting the processes it reaches.
bomb_end = time.monotonic() + 2
peak = 0
if os.fork() == 0:
    while time.monotonic() < bomb_end:
        try:
            os.fork()
        except OSError:
            time.sleep(0.001)
    time.sleep({LIFETIME})
while time.monotonic() < bomb_end + 0.5:
    peak = max(peak, sum(p.isdigit() for p in os.listdir("/proc")))
    time.sleep(0.01)
print(json.dumps({{"children": children, "refused": refused, "peak": peak}}))
""",
        workdir=course.workdir,
        max_processes=cap,
    )
    report = report_of(done)
    assert report["refused"] == errno.EAGAIN
    assert report["children"] < cap
    # bubblewrap's init (pid 1) may be outside the cap (it runs as root).
    assert report["peak"] <= cap + 1
    # The sandbox ended with its main process: every child and bomb is gone
    # (on their own they would sleep for an hour).
    assert wait_until_gone(marker) == []


def test_unsafe_mode_keeps_the_limits_but_not_the_isolation(course):
    command = sandbox_command(
        [sys.executable, "-c", "print(1)"],
        workdir=course.workdir,
        memory_bytes=512 * MiB,
        max_processes=32,
        max_file_bytes=MiB,
        unsafe=True,
    )
    assert "bwrap" not in command
    done = run_sandboxed(
        f"""
import json, os, resource
print(json.dumps({{
    "memory": resource.getrlimit(resource.RLIMIT_AS)[0],
    "file": resource.getrlimit(resource.RLIMIT_FSIZE)[0],
    "core": resource.getrlimit(resource.RLIMIT_CORE)[0],
    "sees_gradebook": os.path.exists({str(course.gradebook)!r}),
}}))
""",
        workdir=course.workdir,
        memory_bytes=512 * MiB,
        max_file_bytes=MiB,
        unsafe=True,
    )
    assert report_of(done) == {
        "memory": 512 * MiB,
        "file": MiB,
        "core": 0,
        "sees_gradebook": True,
    }


# -- kernels -----------------------------------------------------------------------


def test_kernel_runs_cells_with_the_course_packages(course):
    nb = new_notebook()
    nb.cells = [
        new_code_cell(
            "import numpy, pandas, skimage, matplotlib.pyplot, outputsaving\n"
            "print(numpy.__name__, pandas.__name__, skimage.__name__, "
            "outputsaving.__name__)"
        ),
        new_code_cell(
            "import os\n"
            "open('result.txt', 'w').write('from the kernel')\n"
            "print(os.getcwd())"
        ),
        new_code_cell(
            f"try:\n    open({str(course.gradebook)!r}).read()\n"
            "except FileNotFoundError:\n    print('no gradebook')"
        ),
    ]
    client = NotebookClient(
        nb,
        kernel_manager_class=SandboxedKernelManager,
        resources={"metadata": {"path": str(course.workdir)}},
        timeout=PATIENCE,
        iopub_timeout=PATIENCE,
        startup_timeout=PATIENCE,
    )
    client.execute()
    texts = [cell.outputs[0]["text"] for cell in nb.cells]
    assert texts[0] == "numpy pandas skimage outputsaving\n"
    assert texts[1] == f"{course.workdir}\n"
    assert texts[2] == "no gradebook\n"
    assert (course.workdir / "result.txt").read_text() == "from the kernel"


def test_kernel_cell_timeout_interrupts_the_kernel(course):
    nb = new_notebook()
    nb.cells = [new_code_cell("while True:\n    pass"), new_code_cell("print('after')")]
    client = NotebookClient(
        nb,
        kernel_manager_class=SandboxedKernelManager,
        resources={"metadata": {"path": str(course.workdir)}},
        # The loop's timeout is what is tested (any length stops it); the
        # other cell, and its output, get all the time a loaded machine needs.
        timeout_func=lambda cell: 3 if "while True" in cell.source else PATIENCE,
        iopub_timeout=PATIENCE,
        interrupt_on_timeout=True,
        allow_errors=True,
        startup_timeout=PATIENCE,
    )
    client.execute()
    assert nb.cells[0].outputs[0]["ename"] == "KeyboardInterrupt"
    assert nb.cells[1].outputs[0]["text"] == "after\n"


def start_kernel(workdir: Path, **traits):
    """A started blocking kernel manager and a connected client."""
    km = BlockingSandboxedKernelManager(**traits)
    km.start_kernel(cwd=str(workdir))
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=PATIENCE)
    return km, kc


@pytest.mark.parametrize("now", [False, True], ids=["shutdown", "kill"])
def test_kernel_shutdown_ends_every_process_of_its_sandbox(course, now):
    marker = f"osk-kernel-{uuid.uuid4().hex}"
    km, kc = start_kernel(course.workdir)
    sandbox_dir = km.sandbox_dir
    try:
        reply = kc.execute_interactive(
            detach_code(marker, course.workdir / "beat.txt"), timeout=PATIENCE
        )
        assert reply["content"]["status"] == "ok"
        wait_for_marker(marker, 2)
        assert sandbox_dir.is_dir()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=now)
    assert wait_until_gone(marker) == []
    assert not km.is_alive()
    assert not sandbox_dir.exists()


def test_killing_the_grading_process_ends_the_kernel_sandbox(course):
    marker = f"osk-grader-{uuid.uuid4().hex}"
    script = course.root / "grader.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import time
            from outputsaving.classroom.kernels import BlockingSandboxedKernelManager
            km = BlockingSandboxedKernelManager()
            km.start_kernel(cwd={str(course.workdir)!r})
            kc = km.client()
            kc.start_channels()
            kc.wait_for_ready(timeout={PATIENCE})
            kc.execute_interactive({detach_code(marker, course.workdir / "b")!r})
            time.sleep({LIFETIME})
            """
        )
    )
    grader = subprocess.Popen([sys.executable, str(script)])
    try:
        wait_for_marker(marker, 2)  # the two detached processes
    finally:
        grader.send_signal(signal.SIGKILL)
        grader.wait()
    assert wait_until_gone(marker) == []


def test_nbgrader_autograde_runs_in_the_sandbox(tmp_path):
    """Real ``nbgrader autograde`` with the sandbox: same scores, no snooping."""
    course = Course.copy_of_repo(tmp_path, assignments=["quiz"])
    with (course.root / "nbgrader_config.py").open("a") as config:
        config.write(
            "\nfrom outputsaving.classroom.kernels import "
            "sandboxed_autograde_preprocessors\n"
            "c.Autograde.autograde_preprocessors = "
            "sandboxed_autograde_preprocessors()\n"
        )
    course.generate("quiz")
    solution = course.source_notebook("quiz")
    answers = {
        grade_id: answer_cell(solution, grade_id).source
        for grade_id in grade_ids(solution, kind="solution")
    }
    paths = [
        str(course.root / "source"),
        str(course.root / "gradebook.db"),
        "../../../source",
        "../../../gradebook.db",
        "../../../submitted",
    ]
    snoop = (
        f"from pathlib import Path\nfor p in {paths!r}:\n    print(p, Path(p).exists())"
    )
    honest = with_answers(course.student_notebook("quiz"), answers)
    hostile = with_answers(
        course.student_notebook("quiz"),
        {**answers, "quiz_q1_answer": answers["quiz_q1_answer"] + "\n" + snoop},
    )
    course.submit("honest", "quiz", honest)
    course.submit("snoop", "quiz", hostile)
    course.autograde("quiz")
    totals = course.totals("quiz")
    assert totals["honest"] == totals["snoop"]
    assert totals["honest"][0] > 0
    printed = "".join(
        output.get("text", "")
        for cell in course.autograded_notebook("snoop", "quiz").cells
        for output in cell.get("outputs", [])
    )
    for path in paths:
        assert f"{path} False\n" in printed


# -- unprivileged ------------------------------------------------------------------


@pytest.mark.root
def test_works_unprivileged_as_nobody(nobody):
    """As user nobody: the probe, a sandboxed command, a kernel (root only)."""
    site_packages = nobody.site_packages
    work = Path(tempfile.mkdtemp(prefix="osk-nobody-"))
    inner = textwrap.dedent(
        f"""
        import json, os
        n = 0
        try:
            while n < 100:
                if os.fork() == 0:
                    import time; time.sleep(30); os._exit(0)
                n += 1
        except OSError:
            pass
        try:
            open({str(REPO / "hack.txt")!r}, "w")
            skeleton = "allowed"
        except OSError as error:
            skeleton = error.errno
        print(json.dumps({{"uid": os.getuid(), "children": n, "skeleton": skeleton,
            "readme": os.path.exists({str(REPO / "README.md")!r}),
            "package": os.path.exists({str(REPO / "outputsaving" / "labels.py")!r})}}))
        """
    )
    try:
        os.chown(work, 65534, 65534)
        driver = work / "driver.py"
        driver.write_text(
            textwrap.dedent(
                f"""
                import json, subprocess, sys
                sys.path[:0] = [{str(site_packages)!r}, {str(REPO)!r}]
                from outputsaving.classroom.kernels import (
                    BlockingSandboxedKernelManager)
                from outputsaving.classroom.sandbox import (
                    probe_sandbox, sandbox_command)
                status = probe_sandbox(modules=())
                code = {inner!r}
                cmd = sandbox_command(
                    [sys.executable, "-c", code], workdir={str(work)!r},
                    memory_bytes=2**30, max_processes=8, max_file_bytes=2**20)
                done = subprocess.run(cmd, capture_output=True, text=True)
                km = BlockingSandboxedKernelManager(
                    readable=[{str(site_packages)!r}],
                    sandbox_env={{"PYTHONPATH": {str(site_packages)!r}}})
                km.start_kernel(cwd={str(work)!r})
                kc = km.client(); kc.start_channels()
                kc.wait_for_ready(timeout={PATIENCE})
                outputs = []
                kc.execute_interactive(
                    "import numpy, os; print(numpy.ones(3).sum(), os.getuid())",
                    output_hook=lambda m: outputs.append(m["content"].get("text", "")))
                kc.stop_channels(); km.shutdown_kernel()
                print(json.dumps({{"ok": status.ok, "detail": status.detail,
                                  "sandboxed": done.stdout, "err": done.stderr,
                                  "kernel": "".join(outputs)}}))
                """
            )
        )
        done = nobody.run(driver, cwd=work)
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout.strip().splitlines()[-1])
        assert report["ok"], report["detail"]
        assert "your user" in report["detail"]
        inner = json.loads(report["sandboxed"].strip().splitlines()[-1])
        assert not (REPO / "hack.txt").exists()
        assert inner["uid"] == 65534
        assert inner["children"] < 8  # the process cap counts in its own namespace
        assert inner["readme"] is False
        if REPO.is_relative_to("/tmp"):
            # The sandbox's /tmp is a private tmpfs: a write there never reaches
            # the host (checked above), so the skeleton may be writable.
            assert inner["skeleton"] in ("allowed", errno.EROFS)
        else:
            assert inner["skeleton"] == errno.EROFS
        assert inner["package"] is True
        assert report["kernel"] == "3.0 65534\n"
    finally:
        shutil.rmtree(work, ignore_errors=True)
