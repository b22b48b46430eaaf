#!/usr/bin/python3
"""Types into a window as a user at the keyboard would, for the end-to-end tests (there is
no window manager under Xvfb to give it the focus).

    x-keys.py TITLE TEXT    gives the window whose title starts with TITLE the input focus
                            and types TEXT through XTest; "\\n" in TEXT is the Return key

For windows WebDriver cannot reach: the OpenID login window's webview is incognito (a
WebKit context of its own), and WebKitWebDriver drives only the app's automation context.
"""
import sys
import time

from Xlib import X, XK, display
from Xlib.ext import xtest


# Keysym names of the characters that are not their own name (paths typed into file dialogs).
NAMES = {"\n": "Return", "/": "slash", ".": "period", "-": "minus", "_": "underscore", " ": "space", ":": "colon", "~": "asciitilde"}


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
    title, text = sys.argv[1], sys.argv[2].replace("\\n", "\n")
    screen = display.Display()
    window = find(screen.screen().root, title)
    if window is None:
        print(f"no window titled {title!r}", file=sys.stderr)
        return 1
    window.raise_window()
    window.set_input_focus(X.RevertToParent, X.CurrentTime)
    screen.sync()
    time.sleep(0.3)
    shift = screen.keysym_to_keycode(XK.string_to_keysym("Shift_L"))
    for char in text:
        keysym = XK.string_to_keysym(NAMES.get(char, char))
        # The key, and whether it is the key's shifted symbol (an upper-case letter, "_", …).
        codes = [(code, index) for code, index in screen.keysym_to_keycodes(keysym) if index in (0, 1)]
        if keysym == 0 or not codes:
            print(f"no key for {char!r}", file=sys.stderr)
            return 1
        keycode, index = min(codes, key=lambda c: c[1])
        if index == 1:
            xtest.fake_input(screen, X.KeyPress, shift)
        xtest.fake_input(screen, X.KeyPress, keycode)
        xtest.fake_input(screen, X.KeyRelease, keycode)
        if index == 1:
            xtest.fake_input(screen, X.KeyRelease, shift)
        screen.sync()
        time.sleep(0.03)
    return 0


if __name__ == "__main__":
    sys.exit(main())
