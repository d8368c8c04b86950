"""The jupyter_client kernel provisioner whose kernels a fork server forks.

:class:`ForkProvisioner` starts, polls, signals and kills a kernel through the
worker's :class:`~outputsaving.classroom.forkserver.ForkServer`; see
:mod:`outputsaving.classroom.forkserver`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from jupyter_client.provisioning import LocalProvisioner

from outputsaving.classroom.forkserver import ForkServer, ForkServerError

__all__ = ["ForkProvisioner"]


class ForkProvisioner(LocalProvisioner):
    """A jupyter_client kernel provisioner whose kernels a :class:`ForkServer` forks.

    The kernel manager sets :attr:`server` and :attr:`spec` (the keyword
    arguments of :meth:`ForkServer.start_kernel` but the connection file)
    before the launch; see
    :class:`outputsaving.classroom.kernels.SandboxedKernelManager`.
    """

    server: ForkServer | None = None
    spec: dict | None = None
    kernel_ref: str | None = None

    @property
    def has_process(self) -> bool:
        return self.kernel_ref is not None

    async def poll(self) -> int | None:
        if self.kernel_ref is None or self.server is None:
            return 0
        return self.server.poll(self.kernel_ref)

    async def wait(self) -> int | None:
        while (status := await self.poll()) is None:
            await asyncio.sleep(0.05)
        if self.kernel_ref is not None and self.server is not None:
            self.server.forget(self.kernel_ref)
        self.kernel_ref = None
        return status

    async def send_signal(self, signum: int) -> None:
        if self.kernel_ref is not None and self.server is not None:
            self.server.signal(self.kernel_ref, signum)

    async def kill(self, restart: bool = False) -> None:
        if self.kernel_ref is not None and self.server is not None:
            self.server.kill(self.kernel_ref)

    async def terminate(self, restart: bool = False) -> None:
        await self.kill(restart=restart)

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        if self.server is None or self.spec is None:
            msg = "no fork server for this kernel"
            raise ForkServerError(msg)
        self.kernel_ref = await asyncio.to_thread(
            self.server.start_kernel,
            connection_file=self.parent.connection_file,
            **self.spec,
        )
        self.pid = None
        self.pgid = None
        self.connection_info = self.parent.get_connection_info()
        return self.connection_info
