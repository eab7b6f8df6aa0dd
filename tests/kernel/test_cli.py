"""The `chanjiao` command finds the gateway where `chanjiao up` put it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_goes_to_the_gateway_port_chanjiao_up_uses(tmp_path):
    """`CHANJIAO_GATEWAY_PORT=… chanjiao demo` (no --gateway) talks to that port, not to 8000: a plain socket
    listening there receives the demo's first request."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(60)
        port = listener.getsockname()[1]
        env = {
            **os.environ,
            "CHANJIAO_GATEWAY_PORT": str(port),
            "CHANJIAO_DEMO_PASSWORD": "not-used-here",
            "CHANJIAO_STATE_DIR": str(tmp_path),
        }
        demo = subprocess.Popen(
            [sys.executable, "-m", "chanjiao.cli", "demo"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(30)
                head = conn.recv(65536)
                conn.sendall(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        finally:
            demo.kill()
            demo.wait(timeout=30)
    assert head.startswith((b"POST /v1/", b"GET /")), head[:200]
    assert f"host: 127.0.0.1:{port}".encode() in head.lower()
