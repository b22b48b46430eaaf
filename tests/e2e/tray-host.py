#!/usr/bin/python3
"""A StatusNotifier watcher and host on the session bus: what a desktop panel that shows tray
icons runs (KDE, XFCE, Cinnamon, GNOME with the AppIndicator extension). Apps register their
tray items with it. It prints "watching" once it owns the name, then "item <bus> <path>" for
each registration, and runs until killed. Read an item's properties with `gdbus call`.
"""
from gi.repository import Gio, GLib

INTERFACE = """
<node>
  <interface name="org.kde.StatusNotifierWatcher">
    <method name="RegisterStatusNotifierItem"><arg name="service" type="s" direction="in"/></method>
    <method name="RegisterStatusNotifierHost"><arg name="service" type="s" direction="in"/></method>
    <property name="RegisteredStatusNotifierItems" type="as" access="read"/>
    <property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
    <property name="ProtocolVersion" type="i" access="read"/>
    <signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
    <signal name="StatusNotifierItemUnregistered"><arg type="s"/></signal>
    <signal name="StatusNotifierHostRegistered"/>
  </interface>
</node>
"""

items = []


def on_call(connection, sender, path, interface, method, parameters, invocation):
    if method == "RegisterStatusNotifierItem":
        (service,) = parameters.unpack()
        # An object path means "at this path on the caller's connection" (libayatana does so).
        bus, item = (sender, service) if service.startswith("/") else (service, "/StatusNotifierItem")
        items.append(bus + item)
        print(f"item {bus} {item}", flush=True)
        connection.emit_signal(None, path, interface, "StatusNotifierItemRegistered", GLib.Variant("(s)", (bus + item,)))
    invocation.return_value(None)


def on_get(connection, sender, path, interface, name):
    return {
        "RegisteredStatusNotifierItems": GLib.Variant("as", items),
        "IsStatusNotifierHostRegistered": GLib.Variant("b", True),
        "ProtocolVersion": GLib.Variant("i", 0),
    }.get(name)


node = Gio.DBusNodeInfo.new_for_xml(INTERFACE)


def on_bus(connection, name):
    connection.register_object("/StatusNotifierWatcher", node.interfaces[0], on_call, on_get, None)


def on_name(connection, name):
    print("watching", flush=True)


Gio.bus_own_name(Gio.BusType.SESSION, "org.kde.StatusNotifierWatcher", Gio.BusNameOwnerFlags.NONE, on_bus, on_name, None)
GLib.MainLoop().run()
