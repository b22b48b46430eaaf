#!/usr/bin/python3
"""A desktop notification server on the session bus (org.freedesktop.Notifications), as GNOME
Shell, KDE Plasma or dunst run it, for the end-to-end tests. It prints "serving" once it owns
the name, then one JSON line per notification ({"id", "app", "summary", "body", "actions"}),
and answers with the notification's id. With `--invoke ACTION`, a notification that offers
that action gets it invoked after `--delay` seconds (ActionInvoked, then NotificationClosed),
as a user clicking the button would. Runs until killed.
"""
import argparse
import json

from gi.repository import Gio, GLib

INTERFACE = """
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="Notify">
      <arg name="app_name" type="s" direction="in"/>
      <arg name="replaces_id" type="u" direction="in"/>
      <arg name="app_icon" type="s" direction="in"/>
      <arg name="summary" type="s" direction="in"/>
      <arg name="body" type="s" direction="in"/>
      <arg name="actions" type="as" direction="in"/>
      <arg name="hints" type="a{sv}" direction="in"/>
      <arg name="expire_timeout" type="i" direction="in"/>
      <arg name="id" type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg name="id" type="u" direction="in"/></method>
    <method name="GetCapabilities"><arg name="capabilities" type="as" direction="out"/></method>
    <method name="GetServerInformation">
      <arg name="name" type="s" direction="out"/>
      <arg name="vendor" type="s" direction="out"/>
      <arg name="version" type="s" direction="out"/>
      <arg name="spec_version" type="s" direction="out"/>
    </method>
    <signal name="NotificationClosed"><arg name="id" type="u"/><arg name="reason" type="u"/></signal>
    <signal name="ActionInvoked"><arg name="id" type="u"/><arg name="action_key" type="s"/></signal>
  </interface>
</node>
"""
PATH = "/org/freedesktop/Notifications"
NAME = "org.freedesktop.Notifications"

parser = argparse.ArgumentParser()
parser.add_argument("--invoke", help="the action to invoke on notifications that offer it")
parser.add_argument("--delay", type=float, default=1.5, help="seconds before invoking it")
args = parser.parse_args()

state = {"next": 1}


def emit(connection, signal, variant):
    connection.emit_signal(None, PATH, NAME, signal, variant)


def invoke(connection, nid, action):
    print(json.dumps({"invoked": nid, "action": action}), flush=True)
    emit(connection, "ActionInvoked", GLib.Variant("(us)", (nid, action)))
    emit(connection, "NotificationClosed", GLib.Variant("(uu)", (nid, 2)))
    return False


def on_call(connection, sender, path, interface, method, parameters, invocation):
    if method == "Notify":
        app, replaces, _icon, summary, body, actions, _hints, _timeout = parameters.unpack()
        nid = replaces or state["next"]
        state["next"] = max(state["next"], nid) + 1
        # Actions come as pairs: key, label.
        pairs = [[actions[i], actions[i + 1]] for i in range(0, len(actions) - 1, 2)]
        print(json.dumps({"id": nid, "app": app, "summary": summary, "body": body, "actions": pairs}), flush=True)
        invocation.return_value(GLib.Variant("(u)", (nid,)))
        if args.invoke and any(key == args.invoke for key, _ in pairs):
            GLib.timeout_add(int(args.delay * 1000), invoke, connection, nid, args.invoke)
    elif method == "CloseNotification":
        (nid,) = parameters.unpack()
        invocation.return_value(None)
        emit(connection, "NotificationClosed", GLib.Variant("(uu)", (nid, 3)))
    elif method == "GetCapabilities":
        invocation.return_value(GLib.Variant("(as)", (["actions", "body"],)))
    elif method == "GetServerInformation":
        invocation.return_value(GLib.Variant("(ssss)", ("e2e-notifications", "antimony", "1", "1.2")))


node = Gio.DBusNodeInfo.new_for_xml(INTERFACE)


def on_bus(connection, name):
    connection.register_object(PATH, node.interfaces[0], on_call, None, None)


def on_name(connection, name):
    print("serving", flush=True)


Gio.bus_own_name(Gio.BusType.SESSION, NAME, Gio.BusNameOwnerFlags.REPLACE | Gio.BusNameOwnerFlags.ALLOW_REPLACEMENT, on_bus, on_name, None)
GLib.MainLoop().run()
