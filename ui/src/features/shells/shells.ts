// The shells controller: the shells store, and the terminal views that show its shells. Each
// terminal on screen is a view (`bind`, a fresh view id each time) attached while it is mounted
// and detached when it goes (the server's backlog repaints it next time). Input goes out in
// order, one call at a time (what is typed meanwhile is joined); sizes too, the latest winning.

import { ErrorCode } from "../../bindings";
import type { TerminalScreen, TerminalSize } from "../../components/terminal/engine";
import { BridgeError, describeError, type Bridge, type ShellViewEvent, type ShellWindowClosed } from "../../lib/bridge";
import { createStore, type Store } from "../../lib/store";
import { initialShells, labShells, listedEntry, sameShell, shellsReducer, type ShellEntry, type ShellsAction, type ShellsState } from "./shells-store";

/** A fresh terminal view id. */
export function newViewId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const SHELL_NOT_FOUND: number = ErrorCode.ShellNotFound;

/** Output held for a view no terminal shows yet, in characters (older output goes first). */
const HELD_CHARS = 1024 * 1024;
const ESC = "\u001b";
/** A dim line of the app's own in a terminal. */
export const note = (text: string) => `\r\n${ESC}[2m${text}${ESC}[22m\r\n`;

/** One terminal view: attached while its terminal is mounted. */
interface View {
  id: string;
  key: string;
  server: string;
  screen: TerminalScreen | null;
  held: string[];
  heldChars: number;
  /** `open_shell` / `attach_shell` answered: input and sizes may go. */
  ready: boolean;
  /** Detached (or closed): its events are ignored, nothing more is sent. */
  gone: boolean;
  outbox: string;
  sending: boolean;
  inputFailed: boolean;
  wanted: TerminalSize | null;
  sent: TerminalSize | null;
  resizing: boolean;
}

export interface Shells {
  store: Store<ShellsState, ShellsAction>;
  /** Opens a shell on a node in a new tab; its entry's key. */
  open(server: string, labId: string, node: string): string;
  /** A tab on every node given that has none: a shell running detached is shown, else opened. */
  openAll(server: string, labId: string, nodes: readonly string[]): void;
  /** Shows a detached shell (or one in its own window) in a tab again. */
  reattach(key: string): void;
  /** Takes a shell's tab away; the shell keeps running on the server. */
  detach(key: string): Promise<void>;
  /** Closes the shell on the server; its entry goes, unless `keep` (it then shows "closed"). */
  close(key: string, options?: { keep?: boolean }): Promise<void>;
  /** Moves a shell into a window of its own. */
  popOut(key: string): Promise<void>;
  /** Shows a shell this window did not open (a popped-out shell's window). */
  adopt(args: { server: string; labId: string; shellId: string; node: string }): string;
  /** Finds the shells left running in a lab (`list_shells`) and lists them as detached. */
  discover(server: string, labId: string): Promise<void>;
  /** Gives a shell's tab a view on `screen` (attaching it); returns what detaches it. */
  bind(key: string, screen: TerminalScreen): () => void;
  input(key: string, data: string): void;
  resize(key: string, size: TerminalSize): void;
  onShellEvent(event: ShellViewEvent): void;
  onShellWindowClosed(event: ShellWindowClosed): Promise<void>;
  /** A server logged out or went away: the app detached its views already. */
  forgetServer(server: string): void;
  /** Detaches every view (the page is going away). */
  detachAll(): void;
}

export interface ShellsOptions {
  /** Says that something the user asked failed (a toast). */
  onError?: (title: string, message: string) => void;
  /** Makes view ids (tests give predictable ones). */
  viewId?: () => string;
  now?: () => number;
}

export function createShells(bridge: Bridge, options: ShellsOptions = {}): Shells {
  const store = createStore(shellsReducer, initialShells);
  const makeViewId = options.viewId ?? newViewId;
  const now = options.now ?? Date.now;
  const onError = options.onError ?? (() => undefined);
  const views = new Map<string, View>();
  const current = new Map<string, View>();
  let opened = 0;

  const entry = (key: string) => store.getState().entries.find((e) => e.key === key);

  function newView(key: string, server: string): View {
    const view: View = {
      id: makeViewId(), key, server, screen: null, held: [], heldChars: 0, ready: false, gone: false,
      outbox: "", sending: false, inputFailed: false, wanted: null, sent: null, resizing: false,
    };
    views.set(view.id, view);
    current.set(key, view);
    return view;
  }

  function deliver(view: View, data: string): void {
    if (view.screen !== null) {
      view.screen.write(data);
      return;
    }
    view.held.push(data);
    view.heldChars += data.length;
    while (view.heldChars > HELD_CHARS && view.held.length > 1) view.heldChars -= view.held.shift()?.length ?? 0;
  }

  /** Stops a view: detached on the Rust side once its attach has answered. */
  function release(view: View, tellRust = true): void {
    if (view.gone) return;
    view.gone = true;
    view.screen = null;
    views.delete(view.id);
    if (current.get(view.key) === view) current.delete(view.key);
    if (tellRust && view.ready) void bridge.detachShell({ viewId: view.id }).catch(() => undefined);
  }

  function ready(view: View): void {
    view.ready = true;
    if (view.gone) {
      void bridge.detachShell({ viewId: view.id }).catch(() => undefined);
      return;
    }
    pumpInput(view);
    pumpResize(view);
  }

  function pumpInput(view: View): void {
    if (view.sending || !view.ready || view.gone || view.outbox === "") return;
    const data = view.outbox;
    view.outbox = "";
    view.sending = true;
    bridge
      .shellInput({ viewId: view.id, data })
      .catch((e: unknown) => {
        if (view.inputFailed || view.gone) return;
        view.inputFailed = true;
        deliver(view, note(`[input not sent: ${describeError(e)}]`));
      })
      .finally(() => {
        view.sending = false;
        pumpInput(view);
      });
  }

  function pumpResize(view: View): void {
    const size = view.wanted;
    if (size === null || view.resizing || !view.ready || view.gone || entry(view.key)?.fixedSize !== false) return;
    if (view.sent?.rows === size.rows && view.sent.cols === size.cols) return;
    view.resizing = true;
    bridge
      .resizeShell({ viewId: view.id, rows: size.rows, cols: size.cols })
      .then(
        (followed) => {
          view.sent = size;
          if (!followed) store.dispatch({ type: "fixedSize", key: view.key });
        },
        () => {
          view.sent = size;
        },
      )
      .finally(() => {
        view.resizing = false;
        pumpResize(view);
      });
  }

  function attach(view: View, e: ShellEntry, shellId: string): void {
    bridge.attachShell({ server: e.server, shellId, viewId: view.id }).then(
      () => {
        ready(view);
      },
      (error: unknown) => {
        deliver(view, note(`[could not attach: ${describeError(error)}]`));
        release(view, false);
      },
    );
  }

  const shells: Shells = {
    store,

    open(server, labId, node) {
      opened += 1;
      const key = `open:${String(opened)}`;
      store.dispatch({ type: "add", entry: { ...listedEntry(server, labId, { shellId: "", node }, "tab"), key, shellId: null, opening: true } });
      const view = newView(key, server);
      bridge.openShell({ server, labId, node, viewId: view.id }).then(
        ({ shellId }) => {
          store.dispatch({ type: "opened", key, shellId });
          ready(view);
        },
        (error: unknown) => {
          release(view, false);
          store.dispatch({ type: "closed", key, reason: `could not open a shell: ${describeError(error)}` });
        },
      );
      return key;
    },

    openAll(server, labId, nodes) {
      const entries = labShells(store.getState(), server, labId);
      for (const node of nodes) {
        const mine = entries.filter((e) => e.node === node);
        if (mine.some((e) => e.status === "tab")) continue;
        const waiting = mine.find((e) => e.status === "detached");
        if (waiting !== undefined) shells.reattach(waiting.key);
        else shells.open(server, labId, node);
      }
    },

    reattach(key) {
      store.dispatch({ type: "status", key, status: "tab" });
    },

    async detach(key) {
      store.dispatch({ type: "status", key, status: "detached" });
      const view = current.get(key);
      if (view === undefined) return;
      const wasReady = view.ready;
      release(view, false);
      if (wasReady) await bridge.detachShell({ viewId: view.id }).catch(() => undefined);
    },

    async close(key, { keep = false } = {}) {
      const e = entry(key);
      if (e === undefined) return;
      if (e.shellId === null || e.status === "closed") {
        const view = current.get(key);
        if (view !== undefined) release(view);
        if (!keep) store.dispatch({ type: "remove", key });
        return;
      }
      try {
        await bridge.closeShell({ server: e.server, labId: e.labId, shellId: e.shellId });
      } catch (error: unknown) {
        if (BridgeError.from(error).code !== SHELL_NOT_FOUND) {
          onError(`Could not close the shell on ${e.node}`, describeError(error));
          return;
        }
        // Gone on the server already: as closed.
      }
      if (keep) return;
      const view = current.get(key);
      if (view !== undefined) release(view);
      store.dispatch({ type: "remove", key });
    },

    async popOut(key) {
      const e = entry(key);
      if (e === undefined || e.shellId === null || e.status === "closed") return;
      try {
        await bridge.popOutShell({ server: e.server, labId: e.labId, shellId: e.shellId, node: e.node });
      } catch (error: unknown) {
        onError(`Could not open a window for the shell on ${e.node}`, describeError(error));
        return;
      }
      store.dispatch({ type: "status", key, status: "window" });
      const view = current.get(key);
      if (view !== undefined) release(view);
    },

    adopt({ server, labId, shellId, node }) {
      const known = store.getState().entries.find((e) => e.server === server && e.shellId === shellId);
      if (known !== undefined) {
        shells.reattach(known.key);
        return known.key;
      }
      const made = listedEntry(server, labId, { shellId, node }, "tab");
      store.dispatch({ type: "add", entry: made });
      return made.key;
    },

    async discover(server, labId) {
      try {
        const listed = await bridge.listShells({ server, labId });
        store.dispatch({ type: "listed", server, labId, shells: listed });
      } catch {
        // Nothing to offer (the lab is not running, or the server is away): no entries.
      }
    },

    bind(key, screen) {
      const e = entry(key);
      if (e === undefined) return () => undefined;
      if (e.status === "closed") {
        if (e.closedReason !== null) screen.write(note(`[shell closed: ${e.closedReason}]`));
        return () => undefined;
      }
      let view = current.get(key);
      if (view === undefined || view.screen !== null) {
        view = newView(key, e.server);
        if (e.shellId !== null) attach(view, e, e.shellId);
        else {
          // Still opening in another view's name: attach once it is open.
          const pending = view;
          const stop = store.subscribe(() => {
            const latest = entry(key);
            if (latest === undefined || latest.status === "closed" || pending.gone) {
              stop();
              return;
            }
            if (latest.shellId === null) return;
            stop();
            attach(pending, latest, latest.shellId);
          });
        }
      }
      const bound = view;
      bound.screen = screen;
      for (const data of bound.held.splice(0)) screen.write(data);
      bound.heldChars = 0;
      return () => {
        release(bound);
      };
    },

    input(key, data) {
      const view = current.get(key);
      if (view === undefined || view.gone) return;
      view.outbox += data;
      pumpInput(view);
    },

    resize(key, size) {
      const view = current.get(key);
      if (view === undefined || view.gone) return;
      view.wanted = size;
      pumpResize(view);
    },

    onShellEvent(event) {
      const view = views.get(event.viewId);
      if (view === undefined || view.gone) return;
      const u = event.update;
      switch (u.kind) {
        case "output":
          deliver(view, u.data);
          return;
        case "missed":
          deliver(view, note(`[${u.bytes === 1 ? "1 byte" : `${u.bytes.toLocaleString("en-US")} bytes`} of output ${u.bytes === 1 ? "was" : "were"} dropped]`));
          return;
        case "connection":
          store.dispatch({ type: "connection", key: view.key, state: u.state, message: u.message, at: now() });
          return;
        case "closed":
          deliver(view, note(`[shell closed: ${u.reason}]`));
          store.dispatch({ type: "closed", key: view.key, reason: u.reason });
          // The app detached the view already; telling it again only tidies up.
          release(view);
          return;
      }
    },

    async onShellWindowClosed(event) {
      const popped = store.getState().entries.filter((e) => e.status === "window" && sameShell(e.shellId, event.shellId));
      for (const e of popped) {
        let running = true;
        try {
          running = (await bridge.listShells({ server: e.server, labId: e.labId })).some((s) => s.shellId === e.shellId);
        } catch {
          // Cannot tell: show it; attaching says whether it still runs.
        }
        store.dispatch(running ? { type: "status", key: e.key, status: "tab" } : { type: "remove", key: e.key });
      }
    },

    forgetServer(server) {
      for (const view of [...views.values()]) if (view.server === server) release(view, false);
      store.dispatch({ type: "serverGone", server });
    },

    detachAll() {
      for (const view of [...views.values()]) release(view);
    },
  };
  return shells;
}
