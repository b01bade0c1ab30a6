"""``storyweave serve`` as a user starts it: a real process on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx

from storyweave.cli import main


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_on_loopback_and_stops(tmp_path):
    port = free_port()
    db = tmp_path / "s.db"
    proc = subprocess.Popen([sys.executable, "-m", "storyweave", "serve", "--db", str(db),
                             "--port", str(port), "--no-reports"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        assert health is not None and health.status_code == 200
        assert health.json()["articles"] == 0
        front = httpx.get(f"http://127.0.0.1:{port}/")
        assert "No stories yet" in front.text
        assert str(db) not in front.text and str(db) not in health.text
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in err


def test_serve_refuses_an_open_host_without_a_token(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("STORYWEAVE_TOKEN", raising=False)
    assert main(["serve", "--host", "0.0.0.0", "--db", str(tmp_path / "s.db")]) == 1
    assert "--token" in capsys.readouterr().err
