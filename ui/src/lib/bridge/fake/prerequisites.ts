// The local server's prerequisite reports: the two usual answers of `localPrerequisites`.

import type { PrerequisiteReport } from "../types";

/** A local server without containerlab (Docker and permissions fine): the fake's default. */
export function missingContainerlab(): PrerequisiteReport {
  return {
    ready: false,
    checks: [
      {
        id: "containerlab",
        title: "containerlab",
        ok: false,
        detail: "containerlab was not found on the PATH",
        guidance: "Install containerlab with `bash -c \"$(curl -sL https://get.containerlab.dev)\"`, then check again.",
      },
      { id: "docker", title: "Docker engine", ok: true, detail: "27.1.1", guidance: null },
      { id: "permissions", title: "Permission to deploy", ok: true, detail: "member of clab_admins (containerlab runs without sudo)", guidance: null },
    ],
  };
}

/** A local server that can deploy labs. */
export function readyPrerequisites(): PrerequisiteReport {
  return {
    ready: true,
    checks: [
      { id: "containerlab", title: "containerlab", ok: true, detail: "0.73.0", guidance: null },
      { id: "docker", title: "Docker engine", ok: true, detail: "27.1.1", guidance: null },
      { id: "permissions", title: "Permission to deploy", ok: true, detail: "member of clab_admins (containerlab runs without sudo)", guidance: null },
    ],
  };
}
