#!/usr/bin/env python3
"""Shell benchmark peer (bench/shell): a command run in a real pseudo-terminal, as a user's
terminal emulator would run it, reading everything it writes.

    shell-pty.py ROWS COLS INPUT MARKER -- PROGRAM [ARG...]

Starts PROGRAM on a new pseudo-terminal of ROWS x COLS, waits for a prompt ("# "), types
INPUT then Enter, and reads until MARKER appears in the output. Then types Enter ~ . (the
`antimony shell` escape that detaches) and waits for PROGRAM to end (killing it after 10 s).
Prints one JSON line: {"bytes": <output bytes after Enter>, "ms": <Enter to MARKER>,
"missed": <bytes the CLI said the server did not keep>}.
"""
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time


# What `antimony shell` writes when the server dropped output it fell behind on.
MISSED = re.compile(rb"\[antimony: (\d+) bytes of output written while away were not kept\]")


def read_until(fd, wanted, deadline, tail=b""):
    """Reads until `wanted` is in what was read (kept as a short tail); returns the bytes
    read and the bytes the CLI said were missed."""
    count = 0
    missed = 0
    carry = b""
    while wanted not in tail:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no {wanted!r}; last output {tail[-300:]!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError:  # EIO: the program ended
            raise TimeoutError(f"the program ended before {wanted!r}; last output {tail[-300:]!r}")
        if not chunk:
            raise TimeoutError(f"end of output before {wanted!r}")
        count += len(chunk)
        tail = (tail + chunk)[-(len(wanted) + 4096):]
        window = carry + chunk
        end = 0
        for found in MISSED.finditer(window):
            missed += int(found.group(1))
            end = found.end()
        carry = window[max(end, len(window) - 200):]
    return count, missed


def main():
    rows, cols, text, marker = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    argv = sys.argv[sys.argv.index("--") + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.kill(pid, signal.SIGWINCH)
    try:
        read_until(fd, b"# ", time.monotonic() + 30)
        os.write(fd, text.encode() + b"\r")
        started = time.monotonic()
        count, missed = read_until(fd, marker.encode(), started + 300)
        elapsed = (time.monotonic() - started) * 1000
        print(json.dumps({"bytes": count, "ms": round(elapsed, 1), "missed": missed}), flush=True)
        os.write(fd, b"\r~.")
    finally:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            try:  # keep the terminal drained so the program can end
                if select.select([fd], [], [], 0.1)[0]:
                    os.read(fd, 1 << 16)
            except OSError:
                pass
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


if __name__ == "__main__":
    try:
        main()
    except TimeoutError as error:
        print(f"shell-pty: {error}", file=sys.stderr)
        sys.exit(1)
