"""Kernels forked from a pre-imported parent: as isolated as fresh ones, and fresh.

Every test starts a real fork server (its zygote in a real bubblewrap sandbox)
and real Jupyter kernels forked from it, then checks from inside a kernel what
hostile or careless code could try: other students' folders, the zygote, the
state a previous kernel left, privileges, limits. Skipped with the probe's fix
where the sandbox cannot run (failed in CI, where CI=true).
"""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
import uuid
from pathlib import Path

import pytest
from jupyter_client import AsyncKernelManager
from waiting import LIFETIME, PATIENCE, processes_with, wait_until

from outputsaving.classroom.forkserver import ForkServer, ForkServerError
from outputsaving.classroom.kernels import BlockingSandboxedKernelManager

REPO = Path(__file__).resolve().parents[2]
MiB = 2**20

pytestmark = [
    pytest.mark.linux,
    pytest.mark.usefixtures("sandbox"),
    pytest.mark.sandbox,
]


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """A course's ``autograded/``: alice's and bob's working copies."""
    root = tmp_path_factory.mktemp("forked") / "autograded"
    for student in ("alice", "bob"):
        (root / student / "activity1").mkdir(parents=True)
        (root / student / "activity1" / "answers.txt").write_text(f"{student}-ANSWERS")
    return root


@pytest.fixture(scope="module")
def server(shared):
    with ForkServer(shared=[shared]) as running:
        yield running


class Kernel:
    """A kernel forked for one working copy; ``run(code)`` returns its stdout."""

    def __init__(self, server: ForkServer, workdir: Path, **traits) -> None:
        self.km = BlockingSandboxedKernelManager(
            fork_server=server.key, workdir=str(workdir), **traits
        )
        self.km.start_kernel(cwd=str(workdir))
        self.client = self.km.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=PATIENCE)

    def run(self, code: str, *, timeout: float = PATIENCE) -> str:
        out: list[str] = []

        def hook(message) -> None:
            content = message["content"]
            if message["msg_type"] == "stream":
                out.append(content["text"])
            elif message["msg_type"] == "error":
                out.append(f"{content['ename']}: {content['evalue']}")

        self.client.execute_interactive(
            textwrap.dedent(code), output_hook=hook, timeout=timeout
        )
        return "".join(out)

    def report(self, code: str) -> dict:
        """Run ``code`` that prints one JSON object; return it."""
        return json.loads(self.run(code).strip().splitlines()[-1])

    def close(self) -> None:
        self.client.stop_channels()
        self.km.shutdown_kernel(now=True)


@pytest.fixture
def kernel(server, shared):
    """A factory of forked kernels, all shut down at the end of the test."""
    started: list[Kernel] = []

    def start(student: str = "alice", **traits) -> Kernel:
        started.append(Kernel(server, shared / student / "activity1", **traits))
        return started[-1]

    yield start
    for each in started:
        each.close()


def test_the_kernel_is_forked_with_the_packages_imported(kernel, server):
    assert server.ready["threads"] == 1
    assert server.ready["failed"] == {}
    report = kernel().report(
        """
        import json, os, sys
        print(json.dumps({"numpy": "numpy" in sys.modules,
                          "skimage": "skimage.measure" in sys.modules,
                          "grading": "outputsaving.grading" in sys.modules,
                          "pid": os.getpid(), "cwd": os.getcwd()}))
        """
    )
    assert report["numpy"]
    assert report["skimage"]
    assert report["grading"]
    assert report["pid"] == 2  # its own pid namespace, under its init
    assert report["cwd"].endswith("alice/activity1")


def test_the_kernel_imports_what_was_not_preloaded_read_only(kernel):
    """The environment and the package stay visible (also from a clone under /tmp,
    which the kernel's fresh /tmp would cover), and read-only."""
    import outputsaving

    package = Path(outputsaving.__file__).parent
    report = kernel().report(
        f"""
        import json, os, sys
        import nbformat, outputsaving.cli
        try:
            open({str(package / "planted.py")!r}, "w"); planted = "written"
        except OSError as error:
            planted = error.errno
        print(json.dumps({{"python": os.path.exists(sys.executable),
                          "cli": outputsaving.cli.__file__, "planted": planted}}))
        """
    )
    assert report["python"] is True
    assert report["cli"] == str(package / "cli.py")
    assert report["planted"] in (errno.EROFS, errno.EACCES)
    assert not (package / "planted.py").exists()


def test_the_kernel_sees_only_its_own_working_copy(kernel, shared):
    report = kernel("alice").report(
        f"""
        import json, os
        bob = {str(shared / "bob" / "activity1" / "answers.txt")!r}
        try:
            open(bob).read(); read = "read"
        except OSError as error:
            read = type(error).__name__
        try:
            open({str(shared / "planted.txt")!r}, "w"); planted = "written"
        except OSError as error:
            planted = type(error).__name__
        print(json.dumps({{"mine": open("answers.txt").read(), "bob": read,
                          "siblings": os.listdir(".."),
                          "students": os.listdir("../.."), "planted": planted}}))
        """
    )
    assert report["mine"] == "alice-ANSWERS"
    assert report["bob"] == "FileNotFoundError"
    assert report["siblings"] == ["activity1"]
    assert report["students"] == ["alice"]
    assert report["planted"] in ("OSError", "PermissionError")
    assert not (shared / "planted.txt").exists()


def test_the_kernel_cannot_see_the_zygote_or_other_kernels(kernel, server):
    first = kernel("bob")
    first.run("import time")
    report = kernel("alice").report(
        """
        import json, os
        pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
        print(json.dumps({"pids": pids, "ppid": os.getppid()}))
        """
    )
    # Its init and itself: not the zygote, not bob's kernel running meanwhile.
    assert report["pids"] == [1, 2]
    assert report["ppid"] == 1


def test_the_kernel_has_no_privileges_and_its_limits(kernel):
    report = kernel(memory_bytes=1536 * MiB, max_file_bytes=3 * MiB).report(
        """
        import json, os, resource
        status = dict(line.split(":", 1) for line in open("/proc/self/status"))
        caps = {k: int(v, 16) for k, v in status.items() if k.startswith("Cap")}
        print(json.dumps({"caps": caps, "nnp": status["NoNewPrivs"].strip(),
                          "uid": os.getuid(),
                          "as": resource.getrlimit(resource.RLIMIT_AS)[0],
                          "fsize": resource.getrlimit(resource.RLIMIT_FSIZE)[0],
                          "core": resource.getrlimit(resource.RLIMIT_CORE)[0]}))
        """
    )
    assert set(report["caps"].values()) == {0}, report["caps"]
    assert report["nnp"] == "1"
    assert report["uid"] != 0
    assert report["as"] == 1536 * MiB
    assert report["fsize"] == 3 * MiB
    assert report["core"] == 0


def test_no_state_passes_from_one_kernel_to_the_next(kernel):
    first = kernel("alice")
    before = first.report(
        """
        import json, numpy, outputsaving.grading.quiz as quiz
        numpy.CHEAT = 1
        quiz.check_output_types = lambda *a, **k: "faked"
        open("/tmp/left.txt", "w").write("left")
        open("/dev/shm/left.txt", "w").write("left")
        print(json.dumps({"random": numpy.random.rand()}))
        """
    )
    first.close()
    after = kernel("alice").report(
        """
        import json, os, numpy, outputsaving.grading.quiz as quiz
        print(json.dumps({"cheat": hasattr(numpy, "CHEAT"),
                          "patched": getattr(quiz.check_output_types, "__name__", ""),
                          "tmp": os.listdir("/tmp"), "shm": os.listdir("/dev/shm"),
                          "random": numpy.random.rand()}))
        """
    )
    assert after["cheat"] is False
    assert after["patched"] == "check_output_types"
    assert "left.txt" not in after["tmp"]
    assert after["shm"] == []
    assert after["random"] != before["random"]


def test_a_detached_process_ends_with_its_kernel(kernel):
    marker = f"osk-daemon-{uuid.uuid4().hex}"
    forked = kernel("alice")
    forked.run(
        f"""
        import subprocess
        subprocess.Popen(["sh", "-c", "sleep {LIFETIME}; : {marker}"],
                         start_new_session=True)
        import os
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execvp("sh", ["sh", "-c", "sleep {LIFETIME + 1}; : {marker}"])
            os._exit(0)
        """
    )
    wait_until(
        lambda: len(processes_with(marker)) == 2,
        what="the two detached processes started",
    )
    forked.close()
    wait_until(
        lambda: not processes_with(marker),
        what="the detached processes ended with their kernel",
    )


def _output_of(client, msg_id: str, words: str) -> None:
    """Wait until the execution ``msg_id`` printed ``words`` (read from IOPub)."""
    printed = ""
    while words not in printed:
        message = client.get_iopub_msg(timeout=PATIENCE)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "stream":
            printed += message["content"]["text"]
        elif message["msg_type"] == "error":
            pytest.fail(f"the cell failed before printing {words!r}: {message}")


def test_an_interrupt_reaches_the_forked_kernel(kernel):
    forked = kernel("alice")
    assert forked.km.kernel_spec.interrupt_mode == "signal"
    # The cell says when it runs: the interrupt then comes during the cell,
    # never before it started. Only the interrupt can end it within PATIENCE.
    # stop_on_error=False: ipykernel would otherwise abort the requests that
    # come right after the interrupted cell (the check below, answered "aborted").
    msg_id = forked.client.execute(
        f"import time\nprint('sleeping', flush=True)\ntime.sleep({LIFETIME})",
        stop_on_error=False,
    )
    _output_of(forked.client, msg_id, "sleeping")
    forked.km.interrupt_kernel()
    reply = forked.client.get_shell_msg(timeout=PATIENCE)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    # The kernel lives on: it answers the next request.
    reply = forked.client.execute_interactive(
        "answer = 6 * 7", user_expressions={"answer": "answer"}, timeout=PATIENCE
    )
    assert reply["content"]["status"] == "ok"
    value = reply["content"]["user_expressions"]["answer"]
    assert value["data"]["text/plain"] == "42"


def test_a_kernel_that_kills_itself_is_seen_dead(kernel):
    forked = kernel("alice")
    forked.client.execute("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    wait_until(lambda: not forked.km.is_alive(), what="the kernel is seen dead")


def test_a_working_copy_outside_the_shared_folders_is_refused(server, tmp_path):
    km = BlockingSandboxedKernelManager(fork_server=server.key, workdir=str(tmp_path))
    with pytest.raises(ForkServerError, match="not in a shared folder"):
        km.start_kernel(cwd=str(tmp_path))


def test_a_zygote_that_cannot_import_says_which_module(shared):
    server = ForkServer(shared=[shared], preload=["numpy", "no_such_module_xyz"])
    with pytest.raises(ForkServerError, match="no_such_module_xyz"):
        server.start()
    assert not server.running


def test_killing_the_worker_ends_the_zygote_and_its_kernels(shared, tmp_path):
    marker = f"osk-orphan-{uuid.uuid4().hex}"
    script = tmp_path / "worker.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys, time
            from outputsaving.classroom.forkserver import ForkServer
            from outputsaving.classroom.kernels import BlockingSandboxedKernelManager
            server = ForkServer(shared=[{str(shared)!r}]).start()
            work = {str(shared / "bob" / "activity1")!r}
            km = BlockingSandboxedKernelManager(fork_server=server.key, workdir=work)
            km.start_kernel(cwd=work)
            kc = km.client(); kc.start_channels()
            kc.wait_for_ready(timeout={PATIENCE})
            code = "import subprocess; subprocess.Popen(['sh', '-c', "
            code += "'sleep {LIFETIME}; : {marker}'])"
            kc.execute(code)
            print("ready", flush=True)
            time.sleep({LIFETIME})
            """
        )
    )
    worker = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert worker.stdout.readline().strip() == "ready"
        wait_until(lambda: processes_with(marker), what="the kernel's child started")
    finally:
        worker.kill()
        worker.wait()
    wait_until(
        lambda: not processes_with(marker),
        what="the kernel's child ended with the killed worker",
    )
    assert processes_with("outputsaving.classroom.forkserver_zygote " + marker) == []


@pytest.mark.root
def test_forked_kernels_work_unprivileged_as_nobody(nobody):
    """As user nobody: the zygote in its own user namespace, a forked kernel."""
    # Under /tmp itself: nobody cannot enter pytest's own temporary folders.
    work = Path(tempfile.mkdtemp(prefix="osk-nobody-"))
    try:
        _run_as_nobody(nobody, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run_as_nobody(nobody, work: Path) -> None:
    site_packages = nobody.site_packages
    shared = work / "autograded"
    (shared / "alice").mkdir(parents=True)
    (shared / "bob").mkdir()
    (shared / "bob" / "secret.txt").write_text("BOB")
    for path in (work, shared, shared / "alice", shared / "bob"):
        path.chmod(0o755)
        shutil.chown(path, nobody.uid, nobody.uid)
    driver = work / "driver.py"
    driver.write_text(
        nobody.prelude()
        + textwrap.dedent(
            f"""
            import json
            from outputsaving.classroom.forkserver import ForkServer
            from outputsaving.classroom.kernels import BlockingSandboxedKernelManager
            env = {{"PYTHONPATH": {str(site_packages)!r} + ":" + {str(REPO)!r}}}
            server = ForkServer(shared=[{str(shared)!r}],
                                readable=[{str(site_packages)!r}], sandbox_env=env,
                                preload=["numpy", "ipykernel.kernelapp"]).start()
            km = BlockingSandboxedKernelManager(
                fork_server=server.key, workdir={str(shared / "alice")!r},
                sandbox_env=env, max_processes=16)
            km.start_kernel(cwd={str(shared / "alice")!r})
            kc = km.client(); kc.start_channels()
            kc.wait_for_ready(timeout={PATIENCE})
            out = []
            kc.execute_interactive(
                "import json, os, sys\\n"
                "caps = [l for l in open('/proc/self/status')"
                " if l.startswith('CapEff')]\\n"
                "print(json.dumps({{'uid': os.getuid(), 'pid': os.getpid(),"
                " 'numpy': 'numpy' in sys.modules, 'caps': caps[0].split()[1],"
                " 'students': os.listdir('..')}}))",
                output_hook=lambda m: out.append(m["content"].get("text", "")))
            kc.stop_channels(); km.shutdown_kernel(now=True); server.close()
            print("".join(out).strip())
            """
        )
    )
    done = nobody.run(driver, cwd=work)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {
        "uid": nobody.uid,
        "pid": 2,
        "numpy": True,
        "caps": "0000000000000000",
        "students": ["alice"],
    }


def test_the_async_manager_runs_a_forked_kernel(server, shared):
    """nbclient and nbgrader use the asynchronous manager: it forks too."""
    import asyncio

    from outputsaving.classroom.kernels import SandboxedKernelManager

    async def run() -> bool:
        work = shared / "alice" / "activity1"
        km = SandboxedKernelManager(fork_server=server.key, workdir=str(work))
        assert isinstance(km, AsyncKernelManager)
        await km.start_kernel(cwd=str(work))
        alive = await km.is_alive()
        await km.shutdown_kernel(now=True)
        return alive and not await km.is_alive()

    assert asyncio.run(run())
