#!/usr/bin/python3
"""What a window manager does with a window, for the end-to-end tests (there is no window
manager under Xvfb).

    wm.py close TITLE   asks the window to close: WM_PROTOCOLS/WM_DELETE_WINDOW, what the
                        title bar's close button sends
    wm.py state TITLE   prints "viewable", "unmapped" or "missing"
    wm.py title TITLE   prints the window's whole title

TITLE matches the start of a window's title.
"""
import sys

from Xlib import X, display
from Xlib.protocol import event


def find(window, title):
    try:
        name = window.get_wm_name()
        if isinstance(name, str) and name.startswith(title):
            return window
        children = window.query_tree().children
    except Exception:  # the window went away meanwhile
        return None
    for child in children:
        found = find(child, title)
        if found is not None:
            return found
    return None


def main():
    command, title = sys.argv[1], sys.argv[2]
    screen = display.Display()
    window = find(screen.screen().root, title)
    if command == "title":
        print("" if window is None else window.get_wm_name())
        return 0
    if command == "state":
        if window is None:
            print("missing")
        else:
            state = window.get_attributes().map_state
            print("viewable" if state == X.IsViewable else "unmapped")
        return 0
    if command == "close":
        if window is None:
            print(f"no window titled {title!r}", file=sys.stderr)
            return 1
        protocols = screen.intern_atom("WM_PROTOCOLS")
        delete = screen.intern_atom("WM_DELETE_WINDOW")
        message = event.ClientMessage(
            window=window, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0])
        )
        window.send_event(message, event_mask=X.NoEventMask)
        screen.sync()
        return 0
    print(f"unknown command {command!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
