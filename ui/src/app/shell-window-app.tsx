// The page of a popped-out shell's window (`index.html#shell?…`): only that shell's terminal,
// with the shell events wired in and toasts for what fails (copying, closing the shell).

import { useEffect, useState } from "react";
import { Severity } from "../bindings";
import { createNotifications } from "../features/notifications/notifications";
import { ToastStack } from "../features/notifications/toast-stack";
import type { ShellRoute } from "../features/shells/route";
import { ShellWindow } from "../features/shells/shell-window";
import { createShells } from "../features/shells/shells";
import { BridgeContext, type Bridge } from "../lib/bridge";
import { NotifyContext } from "../lib/notify";

export function ShellWindowApp({ bridge, route }: { bridge: Bridge; route: ShellRoute }) {
  const [{ notifications, shells }] = useState(() => {
    const notifications = createNotifications({ storage: null });
    return {
      notifications,
      shells: createShells(bridge, {
        onError: (title, body) => {
          notifications.notify({ severity: Severity.Error, title, body });
        },
      }),
    };
  });

  useEffect(() => {
    const off = bridge.onShell((e) => {
      shells.onShellEvent(e);
    });
    return () => {
      void off.then((f) => {
        f();
      });
    };
  }, [bridge, shells]);

  return (
    <BridgeContext.Provider value={bridge}>
      <NotifyContext.Provider value={notifications.notify}>
        <ShellWindow shells={shells} route={route} />
        <ToastStack notifications={notifications} />
      </NotifyContext.Provider>
    </BridgeContext.Provider>
  );
}
