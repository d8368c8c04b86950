"""The sandbox's settings, without running it: the probe's advice, the
launcher's arguments, the kernel manager nbgrader is given.

Learners' code run in the sandbox: ``test_classroom_sandbox.py``.
"""

from __future__ import annotations

import pytest
from nbformat.v4 import new_notebook
from traitlets.config import Config

from outputsaving.classroom import launcher
from outputsaving.classroom.kernels import (
    SandboxedExecute,
    SandboxedKernelManager,
    sandboxed_autograde_preprocessors,
)
from outputsaving.classroom.sandbox import probe_sandbox

pytestmark = pytest.mark.linux

MiB = 2**20


def test_probe_names_the_install_fix_when_bubblewrap_is_missing(tmp_path):
    status = probe_sandbox(bwrap=str(tmp_path / "no-such-bwrap"))
    assert not status.ok
    assert "not installed" in status.detail
    assert "apt-get install bubblewrap" in status.fix


def test_probe_names_the_apparmor_fix_when_namespaces_are_refused(tmp_path):
    # What bubblewrap prints on Ubuntu 24.04 when AppArmor restricts
    # unprivileged user namespaces.
    fake = tmp_path / "bwrap"
    fake.write_text(
        "#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n"
    )
    fake.chmod(0o755)
    status = probe_sandbox(bwrap=str(fake))
    assert not status.ok
    assert "setting up uid map: Permission denied" in status.detail
    assert "kernel.apparmor_restrict_unprivileged_userns=0" in status.fix
    assert "AppArmor profile" in status.fix
    # the only way on without root, with what it risks (issue 25)
    assert "--unsafe" in status.fix
    assert "runs as you" in status.fix


def test_launcher_arguments_round_trip():
    arguments = launcher.launcher_arguments(
        ["python", "-c", "pass"],
        memory_bytes=10,
        max_processes=3,
        max_file_bytes=5,
        env={"A": "b=c"},
    )
    assert arguments == [
        "--memory", "10", "--processes", "3", "--file-size", "5",
        "--env", "A=b=c", "--", "python", "-c", "pass",
    ]  # fmt: skip
    with pytest.raises(ValueError, match="uid"):
        launcher.launcher_arguments(["x"], uid=5)
    with pytest.raises(ValueError, match="negative"):
        launcher.launcher_arguments(["x"], memory_bytes=-1)


def test_nbgrader_config_selects_the_sandboxed_manager():
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    # nbgrader's own Execute ignores c.Execute.kernel_manager_class.
    config = Config()
    config.Execute.kernel_manager_class = (
        "outputsaving.classroom.kernels.SandboxedKernelManager"
    )
    assert Execute(config=config).kernel_manager_class is not SandboxedKernelManager

    preprocessors = sandboxed_autograde_preprocessors()
    assert SandboxedExecute in preprocessors
    assert Execute not in preprocessors
    default = Autograde.class_traits()["autograde_preprocessors"].default()
    assert len(preprocessors) == len(default)
    config = Config()
    config.Execute.timeout = 17
    config.SandboxedKernelManager.memory_bytes = 1234 * MiB
    config.SandboxedKernelManager.readable = ["/srv/data"]
    execute = SandboxedExecute(config=config)
    assert execute.timeout == 17
    assert execute.kernel_manager_class is SandboxedKernelManager
    execute.nb = new_notebook()
    km = execute.create_kernel_manager()
    assert isinstance(km, SandboxedKernelManager)
    assert km.memory_bytes == 1234 * MiB
    assert km.readable == ["/srv/data"]
