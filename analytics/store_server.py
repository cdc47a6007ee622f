"""One store, two ways in: while the dashboard runs, the command line hands its commands to it.

DuckDB lets one process at a time open a database file for writing, and none other may read it meanwhile.
The dashboard keeps the store open, so a command such as `python -m analytics ingest FILE` run beside it
could not open the file. Instead, the dashboard listens on a Unix socket named after the store's path (in a
folder only its user can enter) and runs each command it receives in its own process, on its own connection,
under the same write lock as the Upload page: loads from both are serialised and the pages see the new data
at once. With no dashboard running, the command line opens the store itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import struct
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

# Runs one command's arguments on a connection, writing to the two streams; returns the exit status.
Runner = Callable[[duckdb.DuckDBPyConnection, dict[str, Any], Any, Any], int]
CONNECT_SECONDS = 2.0
_served: dict[str, socket.socket] = {}
_serving = threading.Lock()


def socket_path(database: Path) -> Path:
    """Where the dashboard serving `database` listens: a short name, as Unix socket paths are limited in length."""
    digest = hashlib.sha256(str(Path(database).resolve()).encode()).hexdigest()[:24]
    return Path(tempfile.gettempdir()) / f"leadership-insight-{os.getuid()}" / f"{digest}.sock"


def serve(con: duckdb.DuckDBPyConnection, database: Path, run: Runner) -> bool:
    """Listen for command-line commands for `database` and run them here with `run`; False if it cannot listen."""
    path = socket_path(database)
    with _serving:
        if str(path) in _served:
            return True
        try:
            path.parent.mkdir(mode=0o700, exist_ok=True)
            os.chmod(path.parent, 0o700)
            if path.exists():
                path.unlink()  # left by a dashboard that stopped: this process holds the store now
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(str(path))
            os.chmod(path, 0o600)
            listener.listen(8)
        except OSError:
            return False
        _served[str(path)] = listener
    threading.Thread(target=_accept, args=(listener, con, run), daemon=True, name="leadership-insight-cli").start()
    return True


def _accept(listener: socket.socket, con: duckdb.DuckDBPyConnection, run: Runner) -> None:
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=_answer, args=(client, con, run), daemon=True).start()


def _same_user(client: socket.socket) -> bool:
    """Whether the program at the other end runs as this process's user (Linux's peer credentials)."""
    try:
        _, uid, _ = struct.unpack("3i", client.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
    except (OSError, AttributeError):
        return False
    return uid == os.getuid()


def _answer(client: socket.socket, con: duckdb.DuckDBPyConnection, run: Runner) -> None:
    with client:
        if not _same_user(client):
            return
        request = json.loads(_read_all(client) or b"{}")
        out, err = _Text(), _Text()
        try:
            code = run(con, request.get("args", {}), out, err)
        except Exception as error:  # noqa: BLE001 - the command line shows it; the dashboard carries on
            err.write(f"error: the dashboard could not run the command: {error}\n")
            code = 1
        client.sendall(json.dumps({"code": code, "stdout": out.text(), "stderr": err.text()}).encode())


class _Text:
    """A text stream collecting what a command prints (io.StringIO without its thread-unsafe position)."""

    def __init__(self) -> None:
        self._parts: list[str] = []

    def write(self, text: str) -> int:
        self._parts.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def text(self) -> str:
        return "".join(self._parts)


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def hand_over(database: Path, args: dict[str, Any]) -> tuple[int, str, str] | None:
    """Run a command in the dashboard serving `database`: (status, output, errors), or None if none is."""
    path = socket_path(database)
    if not path.exists():
        return None
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(CONNECT_SECONDS)
        try:
            sock.connect(str(path))
        except OSError:
            return None  # a dashboard that stopped left its socket behind
        sock.settimeout(None)  # a large load takes as long as it takes
        sock.sendall(json.dumps({"args": args}, default=str).encode())
        sock.shutdown(socket.SHUT_WR)
        answer = _read_all(sock)
    if not answer:
        return 1, "", "error: the dashboard stopped before the command finished; check what was loaded with `batches`\n"
    reply = json.loads(answer)
    return int(reply["code"]), reply["stdout"], reply["stderr"]
