"""`make demo`: migrate, load the seed article, make the demo users, serve, print the logins.

The logins are printed only once the server answers, so they come after runserver's start
banner instead of scrolling away above it, and they are kept in var/demo-logins.txt.
Beside the server runs the background worker (``manage.py db_worker``), which applies a
change that reaches many claims (docs/architecture.md, "Background jobs"), so the demo needs
no daemon of its own. Ctrl-C stops both.
Run from the project root: ``python scripts/demo.py --port 8001``.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, capture: bool = False) -> str:
    """Run ``manage.py`` with this interpreter; stop the demo with its message if it fails."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE if capture else None,
        text=True,
    )
    if result.returncode:
        sys.exit(f"make demo: `manage.py {' '.join(args)}` failed (exit {result.returncode})")
    return result.stdout or ""


def port_is_free(host: str, port: int) -> bool:
    """True when nothing listens on host:port, so our probe cannot reach another server."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def answers(url: str) -> bool:
    """True once the server sends any HTTP answer for url."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def stop(server: subprocess.Popen) -> None:
    """Stop runserver (or the worker) as Ctrl-C does: SIGINT makes runserver's autoreloader
    stop the serving child too, and the worker finish its current job first."""
    for sig, patience in ((signal.SIGINT, 10), (signal.SIGKILL, None)):
        if server.poll() is not None:
            return
        server.send_signal(sig)
        try:
            server.wait(timeout=patience)
        except subprocess.TimeoutExpired:
            continue


def main(argv: list[str] | None = None) -> int:
    """Prepare the demo database, serve it and print the logins; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--logins-file", default=str(ROOT / "var" / "demo-logins.txt"))
    parser.add_argument(
        "--wait", type=float, default=60.0, help="seconds to wait for the server to answer"
    )
    options = parser.parse_args(argv)

    # 0.0.0.0 serves every interface; the links and the probe use the local one.
    local = "127.0.0.1" if options.host in {"0.0.0.0", ""} else options.host
    base = f"http://{local}:{options.port}"
    if not port_is_free(options.host, options.port):
        print(
            f"make demo: port {options.port} is in use; choose another: make demo PORT=8001",
            file=sys.stderr,
        )
        return 2

    manage("migrate", "--noinput", "-v", "0")
    manage("load_demo")
    logins = manage(
        "ensure_demo_users", "--base-url", base, "--logins-file", options.logins_file, capture=True
    )

    # Unbuffered, so the banner reaches the terminal (or a pipe) before our logins do.
    # The demo publishes the editors' verdicts: a rated claim's page is readable without
    # logging in, as a crawler reading its ClaimReview would (unless the caller says otherwise).
    env = {"FACTCHECK_PUBLISH_VERDICTS": "true", **os.environ, "PYTHONUNBUFFERED": "1"}
    # The worker first, so its one start-up line comes before the server's banner. With
    # FACTCHECK_TASKS_BACKEND=immediate jobs run in the server itself and need no worker.
    worker = None
    if os.environ.get("FACTCHECK_TASKS_BACKEND", "database").strip().lower() == "database":
        worker = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "db_worker", "--no-reload"],
            cwd=ROOT,
            env=env,
        )
    # Same process group as us: Ctrl-C (and a closed terminal) reach the server directly,
    # as they would a plain runserver.
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "runserver", f"{options.host}:{options.port}"],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + options.wait
        while not answers(base + "/"):
            if server.poll() is not None:
                print("make demo: the server stopped before it answered", file=sys.stderr)
                return server.returncode or 1
            if time.monotonic() > deadline:
                print(f"make demo: no answer from {base}/ in {options.wait:.0f} s", file=sys.stderr)
                return 1
            time.sleep(0.2)
        # Let runserver log our probe first, so the logins are the last thing on the screen.
        time.sleep(0.3)
        print(logins, end="")
        print(f"  open {base}/   (kept in {options.logins_file}; Ctrl-C stops the server)\n")
        sys.stdout.flush()
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop(server)
        if worker is not None:
            stop(worker)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    # Ctrl-C must work even when whoever started us ignored SIGINT (a shell's `&` does): a
    # handled signal is reset to the default in our children, so runserver honours it too.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # SIGTERM (a test, a process manager) and SIGHUP (the terminal closed) stop the server
    # the way Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C while migrating or loading: no traceback, just stop
        sys.exit(130)
