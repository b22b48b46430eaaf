// What the desktop benchmarks share: the release app's processes and their memory (from /proc),
// and logging in through its window.
import fs from "node:fs";
import { byTestId, until } from "../tests/e2e/harness.mjs";

/** A /proc file's text, or "" once the process is gone. */
export function read(file) {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** A process's proportional set size in MB (smaps_rollup), 0 once it is gone. */
export const pss = (pid) => Number(/^Pss:\s+(\d+) kB/m.exec(read(`/proc/${pid}/smaps_rollup`))?.[1] ?? 0) / 1024;
/** A process's command name. */
export const comm = (pid) => read(`/proc/${pid}/comm`).trim() || "?";
const children = (pid) => read(`/proc/${pid}/task/${pid}/children`).trim().split(/\s+/).filter(Boolean).map(Number);

/** CPU seconds (user + system) of every process now, by pid: `{comm, seconds}`. */
export function cpuTimes() {
  const ticks = 100; // USER_HZ on Linux
  const out = new Map();
  for (const p of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    const stat = read(`/proc/${p}/stat`);
    const close = stat.lastIndexOf(")");
    if (close < 0) continue;
    const fields = stat.slice(close + 2).split(" ");
    // After the name: state is field 3, utime 14 and stime 15 (1-based, as proc(5) counts).
    out.set(Number(p), { comm: stat.slice(stat.indexOf("(") + 1, close), seconds: (Number(fields[11]) + Number(fields[12])) / ticks });
  }
  return out;
}

/** Where the CPU went between two `cpuTimes()`: the busiest processes, as "name NN%" over `seconds`. */
export function cpuShare(before, after, seconds, top = 6) {
  const used = [...after].map(([pid, a]) => ({ comm: a.comm, s: a.seconds - (before.get(pid)?.seconds ?? 0) })).filter((u) => u.s > 0);
  used.sort((x, y) => y.s - x.s);
  const total = used.reduce((n, u) => n + u.s, 0);
  return `${((total / seconds) * 100).toFixed(0)}% of one core in all (2 cores: 200%): ${used
    .slice(0, top)
    .map((u) => `${u.comm} ${((u.s / seconds) * 100).toFixed(0)}%`)
    .join(", ")}`;
}

/** The app's process. */
export function appPid() {
  return fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).map(Number).find((p) => read(`/proc/${p}/cmdline`).split("\0")[0].endsWith("/antimony-desktop"));
}

/** The app's process and every descendant (WebKit's web and network processes). */
export function appTree() {
  const all = [];
  const walk = (pid) => {
    all.push(pid);
    children(pid).forEach(walk);
  };
  const app = appPid();
  if (app) walk(app);
  return all;
}

/** Logs in to the stack's server as admin; returns a function that waits for an element to show. */
export async function logIn(browser) {
  const shown = (selector) => until(async () => {
    const e = await browser.$(selector);
    return (await e.isDisplayed()) ? e : null;
  }, selector);
  await (await shown(byTestId("login-username"))).setValue("admin");
  await (await browser.$(byTestId("login-password"))).setValue("admin");
  await (await browser.$(byTestId("login-submit"))).click();
  return shown;
}
