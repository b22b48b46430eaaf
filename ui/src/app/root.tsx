// Which page a window shows, by its location's hash: a popped-out shell's window
// (`#shell?server=…&lab=…&shell=…&node=…`) shows only that shell's terminal; any other is the app.

import { parseShellRoute } from "../features/shells/route";
import type { Bridge } from "../lib/bridge";
import { App } from "./app";
import { ShellWindowApp } from "./shell-window-app";

export function Root({ bridge, hash, storage }: { bridge: Bridge; hash: string; storage: Pick<Storage, "getItem" | "setItem"> | null }) {
  const shell = parseShellRoute(hash);
  return shell === null ? <App bridge={bridge} storage={storage} /> : <ShellWindowApp bridge={bridge} route={shell} />;
}
