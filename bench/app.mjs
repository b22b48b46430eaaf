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
