// Shells on lab nodes and the terminal views that show them, as the app's shell commands and
// `antimony://shell` events behave: a fake shell per `open_shell` that prints a prompt
// (`node# `), echoes what is typed and answers a few commands (`stty size` with the last
// resize, `echo`, `hostname`, `seq`, `colors`, `clear`, `help`, `exit`); it keeps the newest
// 256 KiB of its output as the backlog a view gets first on `attach_shell`. A view's events go
// out during the call, as the app's may arrive before its answer.

import { ErrorCode, InstanceState } from "../../../bindings";
import { commands } from "../../../bindings/desktop";
import { BridgeError } from "../error";
import type { Bridge, ConnectionState, ShellUpdate } from "../types";
import { newId } from "./ids";
import { emit, type FakeRuntime, type FakeServer, type FakeShell } from "./runtime";

/** antimony-protocol's close reasons (`protocol/src/shell.rs`, `close_reason`). */
export const CLOSE_REASON = {
  closedByUser: "shell was closed by the user",
  remoteClosed: "User closed the shell",
  nodeStopped: "the shell's node has been stopped",
} as const;

/** The output a shell keeps for views that attach later, in characters (≈ bytes here). */
export const BACKLOG_CHARS = 256 * 1024;

export interface ShellSettings {
  /** Whether `resize_shell` is followed (`false`: a server without the resize extension). */
  resize: boolean;
}

const ESC = "\u001b";
const dim = (text: string) => `${ESC}[2m${text}${ESC}[22m`;

function commandError(code: ErrorCode, message: string): BridgeError {
  return new BridgeError("command", code, message);
}

function send(rt: FakeRuntime, s: FakeServer, shell: FakeShell, viewId: string, update: ShellUpdate): void {
  emit(rt.handlers.shell, { server: s.view.name, viewId, shellId: shell.id, update });
}

/** Writes output to a shell: kept in its backlog and sent to every view attached. */
function output(rt: FakeRuntime, s: FakeServer, shell: FakeShell, data: string): void {
  shell.backlog += data;
  if (shell.backlog.length > BACKLOG_CHARS) shell.backlog = shell.backlog.slice(shell.backlog.length - BACKLOG_CHARS);
  for (const viewId of shell.views) send(rt, s, shell, viewId, { kind: "output", data });
}

/** Closes a shell: its views get `closed` and are detached. */
export function closeShell(rt: FakeRuntime, s: FakeServer, shell: FakeShell, reason: string): void {
  if (shell.closed !== null) return;
  shell.closed = reason;
  for (const viewId of shell.views) send(rt, s, shell, viewId, { kind: "closed", reason });
  shell.views.clear();
}

/** Closes the open shells of a lab (all, or one node's), as the server does on stop and destroy. */
export function closeLabShells(rt: FakeRuntime, s: FakeServer, labId: string, node?: string): void {
  for (const shell of s.shells.values()) {
    if (shell.labId === labId && (node === undefined || shell.node === node)) closeShell(rt, s, shell, CLOSE_REASON.nodeStopped);
  }
}

/** Detaches every view of a server (it logged out), as the app does. */
export function detachServerViews(s: FakeServer): void {
  for (const shell of s.shells.values()) shell.views.clear();
}

const prompt = (shell: FakeShell) => `${shell.node}# `;

const HELP = "commands: echo TEXT, stty size, hostname, seq [FROM] TO, colors, clear, help, exit";

/** What a command line prints (without the prompt after it); `null` for `exit`. */
function run(shell: FakeShell, line: string): string | null {
  const cmd = line.trim();
  if (cmd === "") return "";
  if (cmd === "exit" || cmd === "logout") return null;
  if (cmd === "stty size") return `${shell.size.rows} ${shell.size.cols}\r\n`;
  if (cmd === "hostname") return `${shell.node}\r\n`;
  if (cmd === "help") return `${HELP}\r\n`;
  if (cmd === "clear") return `${ESC}[H${ESC}[2J`;
  if (cmd === "colors") {
    const basic = Array.from({ length: 8 }, (_, i) => `${ESC}[3${i}mcolour${i}${ESC}[0m`).join(" ");
    return `${basic}\r\n${ESC}[1mbold${ESC}[0m ${ESC}[38;2;255;128;0mtruecolor orange${ESC}[0m ${ESC}[48;5;24m256-colour background${ESC}[0m https://containerlab.dev\r\n`;
  }
  const echo = /^echo(?:\s+(.*))?$/.exec(cmd);
  if (echo !== null) return `${(echo[1] ?? "").replace(/^(["'])(.*)\1$/, "$2")}\r\n`;
  const seq = /^seq\s+(\d+)(?:\s+(\d+))?$/.exec(cmd);
  if (seq !== null) {
    const from = seq[2] === undefined ? 1 : Number(seq[1]);
    const to = Math.min(Number(seq[2] ?? seq[1]), from + 9999);
    const lines: string[] = [];
    for (let n = from; n <= to; n++) lines.push(String(n));
    return lines.length === 0 ? "" : `${lines.join("\r\n")}\r\n`;
  }
  return `${cmd.split(/\s+/)[0] ?? cmd}: command not found\r\n`;
}

// Cursor keys, function keys and bracketed-paste markers: the fake's line editor ignores them.
const ESCAPE_SEQUENCE = new RegExp(`${ESC}(?:\\[[0-9;?]*[A-Za-z~]|O[A-Za-z])`, "g");

/** Types `data` into a shell: echoes it and runs each line as Enter completes it. */
function type(rt: FakeRuntime, s: FakeServer, shell: FakeShell, data: string): void {
  let echo = "";
  for (const ch of data.replace(ESCAPE_SEQUENCE, "")) {
    if (shell.closed !== null) return;
    if (ch === "\r" || ch === "\n") {
      const printed = run(shell, shell.line);
      shell.line = "";
      if (printed === null) {
        output(rt, s, shell, `${echo}\r\nlogout\r\n`);
        closeShell(rt, s, shell, CLOSE_REASON.remoteClosed);
        return;
      }
      echo += `\r\n${printed}${prompt(shell)}`;
    } else if (ch === "\u007f" || ch === "\b") {
      if (shell.line !== "") {
        shell.line = shell.line.replace(/.$/u, "");
        echo += "\b \b";
      }
    } else if (ch === "\u0003") {
      shell.line = "";
      echo += `^C\r\n${prompt(shell)}`;
    } else if (ch < " ") {
      // Other control characters show in caret notation (^V for Ctrl+V), as `stty echoctl` does.
      echo += `^${String.fromCharCode(ch.charCodeAt(0) + 64)}`;
    } else {
      shell.line += ch;
      echo += ch;
    }
  }
  if (echo !== "") output(rt, s, shell, echo);
}

/** The attached view of that id: its server and shell; rejects `command` like the app. */
function viewOf(rt: FakeRuntime, viewId: string): [FakeServer, FakeShell] {
  for (const s of rt.servers) {
    for (const shell of s.shells.values()) if (shell.views.has(viewId)) return [s, shell];
  }
  throw new BridgeError("command", -1, "this terminal is not attached");
}

function detach(rt: FakeRuntime, viewId: string): void {
  for (const s of rt.servers) for (const shell of s.shells.values()) shell.views.delete(viewId);
}

/** Attaches a view to a shell: the backlog first (a closed shell: `closed` at once). */
function attach(rt: FakeRuntime, s: FakeServer, shell: FakeShell, viewId: string): void {
  detach(rt, viewId);
  if (shell.closed !== null) {
    send(rt, s, shell, viewId, { kind: "closed", reason: shell.closed });
    return;
  }
  shell.views.add(viewId);
  if (shell.backlog !== "") send(rt, s, shell, viewId, { kind: "output", data: shell.backlog });
}

export type ShellCommands = Pick<
  Bridge,
  "openShell" | "listShells" | "closeShell" | "attachShell" | "detachShell" | "shellInput" | "resizeShell" | "popOutShell" | "closeWindow"
>;

/** The shell commands; `windows` records the windows popped out (by label) and closed. */
export function shellCommands(rt: FakeRuntime, settings: ShellSettings, windows: { opened: string[]; closedOwn: number }): ShellCommands {
  return {
    openShell: (args) =>
      rt.answer(commands.openShell, args, () => {
        const s = rt.loggedIn(args.server);
        const lab = s.labs.find((l) => l.id === args.labId);
        if (lab === undefined) throw commandError(ErrorCode.IdNotFound, "No lab with this id");
        if (lab.instance?.state !== InstanceState.Running) throw commandError(ErrorCode.LabNotRunning, `The lab '${lab.name}' is not running`);
        const node = lab.instance.nodes?.find((n) => n.name === args.node);
        if (node === undefined) throw commandError(ErrorCode.NodeNotFound, `The lab has no node '${args.node}'`);
        if (node.state !== "running") throw commandError(ErrorCode.NodeNotRunning, `The node '${args.node}' is not running`);
        const shell: FakeShell = { id: newId(), labId: lab.id, node: node.name, backlog: "", line: "", size: { rows: 24, cols: 80 }, closed: null, views: new Set() };
        s.shells.set(shell.id, shell);
        attach(rt, s, shell, args.viewId);
        output(rt, s, shell, `${dim(`Connected to ${node.name} (${node.kind}), a fake shell: try help`)}\r\n${prompt(shell)}`);
        return { shellId: shell.id };
      }),

    listShells: (args) =>
      rt.answer(commands.listShells, args, () => {
        const s = rt.loggedIn(args.server);
        return [...s.shells.values()].filter((sh) => sh.labId === args.labId && sh.closed === null).map((sh) => ({ shellId: sh.id, node: sh.node }));
      }),

    closeShell: (args) =>
      rt.answer(commands.closeShell, args, () => {
        const s = rt.loggedIn(args.server);
        const shell = s.shells.get(args.shellId);
        if (shell?.labId !== args.labId || shell.closed !== null) throw commandError(ErrorCode.ShellNotFound, "the provided shell id does not exist");
        closeShell(rt, s, shell, CLOSE_REASON.closedByUser);
        return null;
      }),

    attachShell: (args) =>
      rt.answer(commands.attachShell, args, () => {
        const s = rt.loggedIn(args.server);
        const shell = s.shells.get(args.shellId);
        if (shell === undefined) {
          emit(rt.handlers.shell, { server: s.view.name, viewId: args.viewId, shellId: args.shellId, update: { kind: "closed", reason: "the provided shell id does not exist" } });
          return null;
        }
        attach(rt, s, shell, args.viewId);
        return null;
      }),

    detachShell: (args) =>
      rt.answer(commands.detachShell, args, () => {
        detach(rt, args.viewId);
        return null;
      }),

    shellInput: (args) =>
      rt.answer(commands.shellInput, args, () => {
        const [s, shell] = viewOf(rt, args.viewId);
        type(rt, s, shell, args.data);
        return null;
      }),

    resizeShell: (args) =>
      rt.answer(commands.resizeShell, args, () => {
        const [, shell] = viewOf(rt, args.viewId);
        if (!settings.resize) return false;
        shell.size = { rows: args.rows, cols: args.cols };
        return true;
      }),

    popOutShell: (args) =>
      rt.answer(commands.popOutShell, args, () => {
        rt.loggedIn(args.server);
        // The app's label: "shell-" and the id's letters and digits.
        const label = `shell-${args.shellId.replace(/[^A-Za-z0-9]/g, "").slice(0, 36)}`;
        windows.opened.push(label);
        return label;
      }),

    // Not a Tauri command (the window API): recorded only, never closing the page.
    closeWindow: () => {
      windows.closedOwn += 1;
      return Promise.resolve();
    },
  };
}

/** Emits what the app sends when a popped-out shell's window closes (the label's id). */
export function shellWindowClosed(rt: FakeRuntime, shellId: string): void {
  emit(rt.handlers.shellWindow, { shellId: shellId.replace(/[^A-Za-z0-9]/g, "").slice(0, 36) });
}

/** Sends a connection state to every view of a shell (as a shell's socket drops and returns). */
export function shellConnection(rt: FakeRuntime, shellId: string, state: ConnectionState, message: string | null = null): void {
  for (const s of rt.servers) {
    const shell = s.shells.get(shellId);
    if (shell === undefined) continue;
    for (const viewId of shell.views) send(rt, s, shell, viewId, { kind: "connection", state, message });
  }
}

/** Sends a `missed` note to every view of a shell (output the server dropped). */
export function shellMissed(rt: FakeRuntime, shellId: string, bytes: number): void {
  for (const s of rt.servers) {
    const shell = s.shells.get(shellId);
    if (shell === undefined) continue;
    for (const viewId of shell.views) send(rt, s, shell, viewId, { kind: "missed", bytes });
  }
}
