"""Start and stop the whole stack on loopback: Rasa server, action server and gateway.

Used by `companion run` (`make run`), the end-to-end tests and the benchmark, so all three start
the stack the same way.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
MODEL_PATH = ROOT / "models" / "companion.tar.gz"

QUIET_RASA = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "PYTHONWARNINGS": "ignore",
}


class StackError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Process:
    name: str
    args: list[str]
    env: dict[str, str]
    ready_url: str
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            self.args,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches the supervisor, which stops children in order
        )
        log.close()

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def ready(self) -> bool:
        try:
            return httpx.get(self.ready_url, timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self, timeout: float = 10.0) -> None:
        if not self.alive():
            return
        assert self.popen is not None
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Stack:
    rasa_port: int = 5005
    action_port: int = 5055
    gateway_port: int = 8000
    database_url: str = "sqlite:///var/companion.db"
    tracker_db: str = "var/rasa_tracker.db"
    log_dir: Path = ROOT / "var" / "log"
    model_path: Path = MODEL_PATH
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[Process] = field(default_factory=list)
    # Scale-out: several of each server behind loopback balancers (bot/balancer.py), sharing
    # Redis (gateway hub, locks and rate limits; Rasa's lock store). PostgreSQL comes in through
    # `database_url`: Rasa's tracker store then lives in the same database.
    replicas: int = 1
    redis_url: str | None = None
    redis_prefix: str = "companion"

    @classmethod
    def in_workdir(cls, workdir: Path, **settings: object) -> Stack:
        """A stack of its own: free ports and a fresh, migrated SQLite database in `workdir`."""
        from bot.db import migrate  # noqa: PLC0415  (the stack itself never touches the database)

        database_url = f"sqlite:///{workdir}/companion.db"
        migrate(database_url)
        return cls(
            rasa_port=free_port(),
            action_port=free_port(),
            gateway_port=free_port(),
            database_url=database_url,
            tracker_db=str(workdir / "tracker.db"),
            log_dir=workdir / "log",
            **settings,
        )

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def _env(self, **extra: str) -> dict[str, str]:
        env = {**os.environ, **QUIET_RASA, **self.extra_env, **extra}
        return env

    def _rasa_store_env(self) -> dict[str, str]:
        """endpoints.yml's tracker and lock store: SQLite and in-memory unless scaled out."""
        env = {"RASA_TRACKER_DIALECT": "sqlite", "RASA_TRACKER_DB": self.tracker_db,
               "RASA_TRACKER_HOST": "", "RASA_LOCK_STORE": "in_memory", "RASA_LOCK_HOST": "",
               "RASA_LOCK_PORT": "", "RASA_LOCK_DB": "", "RASA_LOCK_PREFIX": ""}
        if self.database_url.startswith("postgresql"):
            from sqlalchemy import make_url  # noqa: PLC0415

            url = make_url(self.database_url).set(drivername="postgresql")  # psycopg2 in .venv-rasa
            env.update(RASA_TRACKER_DIALECT="postgresql", RASA_TRACKER_DB=url.database or "",
                       RASA_TRACKER_HOST=url.render_as_string(hide_password=False))
        if self.redis_url:
            from urllib.parse import urlsplit  # noqa: PLC0415

            parts = urlsplit(self.redis_url)
            env.update(RASA_LOCK_STORE="redis", RASA_LOCK_HOST=parts.hostname or "127.0.0.1",
                       RASA_LOCK_PORT=str(parts.port or 6379),
                       RASA_LOCK_DB=(parts.path.strip("/") or "0"),
                       RASA_LOCK_PREFIX="".join(c for c in self.redis_prefix if c.isalnum()))
        return env

    def _gateway_scale_env(self) -> dict[str, str]:
        # The gateway reaches Rasa's tracker store to delete a client's data: the same database
        # as its own on PostgreSQL, else the SQLite file Rasa writes.
        on_postgres = self.database_url.startswith("postgresql")
        env = {"RASA_TRACKER_URL": self.database_url if on_postgres else f"sqlite:///{self.tracker_db}"}
        if self.redis_url:
            env.update(REDIS_URL=self.redis_url, REDIS_PREFIX=self.redis_prefix)
        return env

    def build(self) -> list[Process]:
        if not self.model_path.exists():
            raise StackError(f"no trained model at {self.model_path}; run `make model` first")
        if not RASA_BIN.exists():
            raise StackError(f"{RASA_BIN} is missing; run `make install` first")
        if self.replicas > 1:
            return self._build_replicas()
        action_url = f"http://127.0.0.1:{self.action_port}"
        return [
            self._action_server(self.action_port, "action server", "actions.log"),
            self._rasa(self.rasa_port, action_url, "rasa", "rasa.log"),
            self._gateway(self.gateway_port, action_url, "gateway", "gateway.log"),
        ]

    # One builder per kind of process, shared by the single stack and the replicated one.
    def _action_server(self, port: int, name: str, log_name: str) -> Process:
        return Process(
            name=name,
            args=[sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
            env=self._env(SANIC_HOST="127.0.0.1"),
            ready_url=f"http://127.0.0.1:{port}/health",
            log_path=self.log_dir / log_name,
        )

    def _rasa(self, port: int, action_url: str, name: str, log_name: str) -> Process:
        return Process(
            name=name,
            args=[str(RASA_BIN), "run", "--model", str(self.model_path),
                  "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
                  "--interface", "127.0.0.1", "--port", str(port)],
            env=self._env(ACTION_ENDPOINT_URL=f"{action_url}/webhook", **self._rasa_store_env()),
            ready_url=f"http://127.0.0.1:{port}/",
            log_path=self.log_dir / log_name,
        )

    def _gateway(self, port: int, action_url: str, name: str, log_name: str) -> Process:
        return Process(
            name=name,
            args=[sys.executable, "-m", "bot", "serve"],
            env=self._env(
                DATABASE_URL=self.database_url,
                RASA_URL=self.rasa_url,
                ACTION_SERVER_URL=action_url,
                COMPANION_HOST="127.0.0.1",
                COMPANION_PORT=str(port),
                **self._gateway_scale_env(),
            ),
            ready_url=f"http://127.0.0.1:{port}/widget.js",
            log_path=self.log_dir / log_name,
        )

    def _build_replicas(self) -> list[Process]:
        """N action servers, N Rasa servers and N gateways, each tier behind a balancer: the
        gateways' balancer answers on `gateway_port`, Rasa's on `rasa_port`, the actions' on
        `action_port`."""
        n = self.replicas
        action_ports = [free_port() for _ in range(n)]
        rasa_ports = [free_port() for _ in range(n)]
        gateway_ports = [free_port() for _ in range(n)]
        action_url = f"http://127.0.0.1:{self.action_port}"

        def balancer(name: str, port: int, upstreams: list[int], ready_path: str) -> Process:
            return Process(
                name=f"{name} balancer",
                args=[sys.executable, "-m", "bot.balancer", "--port", str(port),
                      *[a for p in upstreams for a in ("--upstream", f"127.0.0.1:{p}")]],
                env=self._env(),
                ready_url=f"http://127.0.0.1:{port}{ready_path}",
                log_path=self.log_dir / f"{name.replace(' ', '-')}-balancer.log",
            )

        processes: list[Process] = []
        processes += [self._action_server(port, f"action server {i}", f"actions-{i}.log")
                      for i, port in enumerate(action_ports, start=1)]
        processes.append(balancer("action server", self.action_port, action_ports, "/health"))
        processes += [self._rasa(port, action_url, f"rasa {i}", f"rasa-{i}.log")
                      for i, port in enumerate(rasa_ports, start=1)]
        processes.append(balancer("rasa", self.rasa_port, rasa_ports, "/"))
        processes += [self._gateway(port, action_url, f"gateway {i}", f"gateway-{i}.log")
                      for i, port in enumerate(gateway_ports, start=1)]
        processes.append(balancer("gateway", self.gateway_port, gateway_ports, "/widget.js"))
        return processes

    def process(self, name: str) -> Process:
        return next(p for p in self.processes if p.name == name)

    def start(self, timeout: float = 240.0, progress: bool = False) -> None:
        self.processes = self.build()
        for process in self.processes:
            process.start()
        deadline = time.monotonic() + timeout
        waiting = list(self.processes)
        while waiting:
            for process in list(waiting):
                if not process.alive():
                    self.stop()
                    raise StackError(
                        f"{process.name} exited during start-up; last log lines:\n"
                        + process.log_tail()
                    )
                if process.ready():
                    waiting.remove(process)
                    if progress:
                        print(f"  {process.name} ready", flush=True)
            if time.monotonic() > deadline:
                self.stop()
                names = ", ".join(p.name for p in waiting)
                raise StackError(f"timed out after {timeout:.0f}s waiting for {names}")
            time.sleep(0.5)

    def stop(self) -> None:
        # The gateway first, so no new message reaches a server that is stopping.
        for process in reversed(self.processes):
            process.stop()

    def first_dead(self) -> Process | None:
        return next((p for p in self.processes if not p.alive()), None)

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
