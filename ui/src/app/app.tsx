// The app shell: creates the feature stores, wires the bridge's events into them, and lays out
// the server sidebar, the top bar, the dashboard or a lab, the inbox, the toasts and the About
// dialog; the whole window takes dropped topology files. Features meet only here.

import { lazy, Suspense, useEffect, useRef, useState } from "react";
import { AboutButton } from "../features/about/about-button";
import { AboutDialog } from "../features/about/about-dialog";
import { DropTarget } from "../features/import/drop-target";
import { ImportButton } from "../features/import/import-button";
import { ImportDialog } from "../features/import/import-dialog";
import { createImports } from "../features/import/imports-store";
import { AllLabsView } from "../features/labs/all-labs-view";
import { defaultAllQuery, type AllLabsQuery } from "../features/labs/all-labs-table";
import { Dashboard } from "../features/labs/dashboard";
import { createLabs } from "../features/labs/labs-store";
import { PrerequisitePanel } from "../features/local/prerequisites";
import { InboxButton, InboxPanel } from "../features/notifications/inbox-panel";
import { createNotifications } from "../features/notifications/notifications";
import { ToastStack } from "../features/notifications/toast-stack";
import { LoginForm } from "../features/servers/login-form";
import { ServerSidebar } from "../features/servers/server-sidebar";
import { ReconnectBanner, ServerStatus } from "../features/servers/server-status";
import { createServers, currentServer, healthOf } from "../features/servers/servers-store";
import { createShells } from "../features/shells/shells";
import { Severity } from "../bindings";
import { createAllLabs, type ServerSummary } from "../lib/all-labs";
import { BridgeContext, isLabCommandName, type Bridge, type ImportedLab, type Unlisten } from "../lib/bridge";
import { NotifyContext, commandFailureToast } from "../lib/notify";
import { useStore } from "../lib/store";
import { markDashboardReady } from "../lib/startup";
import { LabWithShells } from "./lab-shells";
import { ScheduleButton, SchedulePage } from "./schedule-page";
import { useGlobalKeys } from "./use-global-keys";

type Route =
  | { view: "dashboard" }
  | { view: "lab"; server: string; labId: string }
  | { view: "topologies"; server: string; topologyId: string | null };

// The topology editor is a script of its own (with its checker; CodeMirror is another), loaded
// when the page is first opened, so the dashboard's first script does not grow with it.
const TopologiesPage = lazy(() => import("../features/topologies/topologies-page"));

/** Where the choice between one server's labs and every server's is kept. */
const SCOPE_KEY = "antimony.labs.scope";
type Scope = "server" | "all";

export interface AppProps {
  bridge: Bridge;
  /** Where the inbox is kept; `null` keeps it in memory only. */
  storage: Pick<Storage, "getItem" | "setItem"> | null;
}

export function App({ bridge, storage }: AppProps) {
  const [{ notifications, servers, labs, allLabs, imports, shells }] = useState(() => {
    const servers = createServers(bridge);
    const notifications = createNotifications({ storage });
    return {
      servers,
      notifications,
      allLabs: createAllLabs(bridge, {
        onNotLoggedIn: (server) => {
          servers.markLoggedOut(server);
        },
      }),
      labs: createLabs(bridge, {
        onNotLoggedIn: (server) => {
          servers.markLoggedOut(server);
        },
      }),
      imports: createImports(bridge, notifications.notify),
      shells: createShells(bridge, {
        onError: (title, body) => {
          notifications.notify({ severity: Severity.Error, title, body });
        },
      }),
    };
  });
  const serversState = useStore(servers.store, (s) => s);
  const current = currentServer(serversState);
  const health = current === null ? null : healthOf(serversState, current);
  const [route, setRoute] = useState<Route>({ view: "dashboard" });
  const loggedIn = serversState.servers.filter((s) => s.loggedIn).map((s) => s.name).join("\n");
  const [inboxOpen, setInboxOpen] = useState(false);
  const [aboutOpen, setAboutOpen] = useState(false);
  const [scheduleOpen, setScheduleOpen] = useState(false);
  const [scope, setScopeState] = useState<Scope>(() => (storage?.getItem(SCOPE_KEY) === "all" ? "all" : "server"));
  const [allQuery, setAllQuery] = useState<AllLabsQuery>(defaultAllQuery);
  const setScope = (next: Scope) => {
    setScopeState(next);
    try {
      storage?.setItem(SCOPE_KEY, next);
    } catch {
      // storage full or off: the choice lasts this session
    }
  };

  useEffect(() => {
    const offs: Promise<Unlisten>[] = [
      bridge.onConnection((e) => {
        servers.onConnection(e);
      }),
      bridge.onStatus((e) => {
        notifications.onStatus(e);
      }),
      bridge.onLabUpdate((e) => {
        labs.onLabUpdate(e);
        allLabs.onLabUpdate(e);
      }),
      bridge.onShell((e) => {
        shells.onShellEvent(e);
      }),
      bridge.onShellWindow((e) => {
        void shells.onShellWindowClosed(e);
      }),
      bridge.onCommandResult((e) => {
        if (e.ok || e.error === null || !isLabCommandName(e.command)) return;
        const labName = labs.store.getState().server === e.server ? labs.labName(e.labId) : undefined;
        notifications.notify(
          commandFailureToast({ server: e.server, labId: e.labId, labName: labName ?? e.labId, command: e.command, node: e.node, code: e.error.code, message: e.error.message }),
        );
      }),
    ];
    void servers.load();
    // Until the Rust side's rules are read, the defaults (everything pops up) apply.
    notifications.loadRules(bridge).catch(() => undefined);
    return () => {
      for (const off of offs) void off.then((f) => { f(); });
    };
  }, [bridge, servers, labs, allLabs, notifications, shells]);

  // The labs shown are the current server's, while logged in.
  const activeServer = current?.loggedIn === true ? current.name : null;
  useEffect(() => {
    labs.setServer(activeServer);
  }, [labs, activeServer]);

  // Every logged-in server's labs, while the combined list or the schedule shows them.
  const followAll = scheduleOpen || (scope === "all" && serversState.servers.length > 1);
  const followed = followAll ? loggedIn : "";
  useEffect(() => {
    allLabs.setServers(followed === "" ? [] : followed.split("\n"));
  }, [allLabs, followed]);

  // A server whose session came back may have missed lab updates: fetch its labs again.
  const healths = serversState.servers.map((s) => `${s.name}\t${healthOf(serversState, s)}`).join("\n");
  const previousHealths = useRef(healths);
  useEffect(() => {
    const before = new Map(previousHealths.current.split("\n").map((l) => l.split("\t") as [string, string]));
    for (const line of healths.split("\n")) {
      const [name = "", now = ""] = line.split("\t");
      if (now === "connected" && before.get(name) === "reconnecting") void allLabs.refresh(name);
    }
    previousHealths.current = healths;
  }, [allLabs, healths]);

  // Connected with its labs listed: the app is usable (bench/desktop-footprint's cold start).
  const labsStatus = useStore(labs.store, (s) => s.status);
  useEffect(() => {
    if (health === "connected" && labsStatus === "ready") markDashboardReady();
  }, [health, labsStatus]);

  // Lab updates sent while the session was away are lost: refetch once it is back.
  const previousHealth = useRef(health);
  useEffect(() => {
    if (health === "connected" && previousHealth.current === "reconnecting") void labs.refresh();
    previousHealth.current = health;
  }, [health, labs]);

  const labRoute = route.view === "lab" && current !== null && route.server === current.name ? route : null;
  // The combined list shows while there are several servers to combine.
  const showAll = scope === "all" && serversState.servers.length > 1;
  const topologiesRoute = route.view === "topologies" && current !== null && route.server === current.name ? route : null;

  // A lab's page offers the shells left running there.
  const shownServer = labRoute?.server ?? null;
  const shownLab = labRoute?.labId ?? null;
  useEffect(() => {
    if (shownServer !== null && shownLab !== null) void shells.discover(shownServer, shownLab);
  }, [shells, shownServer, shownLab]);

  // Logging out (or removing a server) detaches its shells' views on the Rust side: forget them.
  const previouslyLoggedIn = useRef(loggedIn);
  useEffect(() => {
    const now = new Set(loggedIn.split("\n"));
    for (const name of previouslyLoggedIn.current.split("\n")) if (name !== "" && !now.has(name)) shells.forgetServer(name);
    previouslyLoggedIn.current = loggedIn;
  }, [shells, loggedIn]);

  useGlobalKeys({
    onEscape: () => {
      if (inboxOpen) setInboxOpen(false);
      else if (labRoute !== null || topologiesRoute !== null) setRoute({ view: "dashboard" });
    },
    onRefresh: () => {
      if (labRoute !== null) void labs.refreshLab(labRoute.labId);
      else if (showAll) void allLabs.refreshAll();
      else void labs.refresh();
    },
    onAbout: () => {
      setAboutOpen(true);
    },
  });

  const backToDashboard = () => {
    setScheduleOpen(false);
    setRoute({ view: "dashboard" });
  };
  const labName = labRoute === null ? undefined : labs.labName(labRoute.labId);
  // A lab of any server opens on its own server (which becomes the current one), so that what
  // is done there goes to that server.
  const openOnServer = async (server: string, labId: string) => {
    setScheduleOpen(false);
    if (server !== current?.name) await servers.use(server);
    setRoute({ view: "lab", server, labId });
  };
  const summaries: ServerSummary[] = serversState.servers.map((s) => ({ name: s.name, health: healthOf(serversState, s), local: s.local }));

  // Files go to the current server while it is logged in.
  const importTarget = current?.loggedIn === true ? current.name : null;
  const importFile = (file: File) => {
    if (importTarget !== null) void imports.importFile(file, importTarget);
  };
  // An imported lab opens like a lab picked on the dashboard, once the labs know it.
  const openImported = (server: string, lab: ImportedLab) => {
    void labs.refreshLab(lab.labId).then(() => {
      setRoute({ view: "lab", server, labId: lab.labId });
    });
  };

  let content;
  if (!serversState.loaded) content = <div className="empty-state">Loading…</div>;
  else if (scheduleOpen)
    content = (
      <SchedulePage
        servers={servers}
        allLabs={allLabs}
        onClose={() => {
          setScheduleOpen(false);
        }}
        onOpenLab={(server, labId) => void openOnServer(server, labId).catch(() => undefined)}
      />
    );
  else if (current === null) content = <div className="empty-state">Add a server to see its labs.</div>;
  else if (showAll && labRoute === null && topologiesRoute === null)
    content = (
      <AllLabsView
        allLabs={allLabs}
        servers={summaries}
        query={allQuery}
        onQuery={setAllQuery}
        onOpen={(server, labId) => void openOnServer(server, labId).catch(() => undefined)}
        onShowServer={(server) => {
          setScope("server");
          void servers.use(server).then(backToDashboard, () => undefined);
        }}
      />
    );
  else if (!current.loggedIn) content = <LoginForm key={current.name} servers={servers} server={current.name} user={current.user} />;
  else if (labRoute !== null)
    content = (
      <LabWithShells
        key={labRoute.labId}
        shells={shells}
        labs={labs}
        labId={labRoute.labId}
        server={current.name}
        identity={current.identity}
        onBack={backToDashboard}
        onEditTopology={(topologyId) => {
          setRoute({ view: "topologies", server: current.name, topologyId });
        }}
      />
    );
  else if (topologiesRoute !== null)
    content = (
      <Suspense fallback={<div className="empty-state">Loading the editor…</div>}>
        <TopologiesPage
          key={`${current.name}/${topologiesRoute.topologyId ?? ""}`}
          server={current.name}
          identity={current.identity}
          initialTopologyId={topologiesRoute.topologyId}
          onLabCreated={(labId) => {
            void labs.refreshLab(labId).then(() => {
              setRoute({ view: "lab", server: current.name, labId });
            });
          }}
        />
      </Suspense>
    );
  else
    content = (
      <Dashboard
        labs={labs}
        onOpen={(labId) => {
          setRoute({ view: "lab", server: current.name, labId });
        }}
        banner={current.local ? <PrerequisitePanel key={current.name} /> : null}
        actions={<ImportButton onFile={importFile} />}
      />
    );

  return (
    <BridgeContext.Provider value={bridge}>
      <NotifyContext.Provider value={notifications.notify}>
        <DropTarget className="app" target={importTarget} onFile={importFile}>
          <ServerSidebar
            servers={servers}
            onSwitched={() => {
              setScope("server");
              backToDashboard();
            }}
            onRemoved={() => {
              notifications.loadRules(bridge).catch(() => undefined);
            }}
            allServers={{
              selected: showAll,
              onSelect: () => {
                setScope("all");
                backToDashboard();
              },
            }}
          />
          <main className="main">
            <header className="topbar">
              <nav className="breadcrumb" aria-label="Location">
                {topologiesRoute !== null ? (
                  <>
                    <button type="button" className="link-button" data-testid="nav-labs" onClick={backToDashboard}>
                      Labs
                    </button>
                    <span className="breadcrumb-sep" aria-hidden="true">
                      /
                    </span>
                    <span className="breadcrumb-current">Topologies</span>
                  </>
                ) : labRoute === null ? (
                  <>
                    <span className="breadcrumb-current">{showAll ? "All labs" : "Labs"}</span>
                    {current?.loggedIn === true && !showAll && (
                      <button
                        type="button"
                        className="button button--quiet breadcrumb-topologies"
                        data-testid="nav-topologies"
                        title={`Collections, topologies and bind files of ${current.name}`}
                        onClick={() => {
                          setRoute({ view: "topologies", server: current.name, topologyId: null });
                        }}
                      >
                        Topologies
                      </button>
                    )}
                  </>
                ) : (
                  <>
                    <button type="button" className="link-button" onClick={backToDashboard}>
                      Labs
                    </button>
                    <span className="breadcrumb-sep" aria-hidden="true">
                      /
                    </span>
                    <span className="breadcrumb-current">{labName ?? "Lab"}</span>
                  </>
                )}
              </nav>
              <span className="toolbar-spacer" />
              <ServerStatus
                servers={servers}
                onError={(message) => {
                  notifications.notify({ severity: Severity.Error, title: "Could not log out", body: message });
                }}
              />
              <ScheduleButton
                open={scheduleOpen}
                onToggle={() => {
                  setScheduleOpen((o) => !o);
                }}
              />
              <InboxButton
                notifications={notifications}
                open={inboxOpen}
                onToggle={() => {
                  setInboxOpen((o) => !o);
                }}
              />
              <AboutButton
                onOpen={() => {
                  setAboutOpen(true);
                }}
              />
            </header>
            <ReconnectBanner servers={servers} />
            <div className="content">{content}</div>
            {inboxOpen && (
              <InboxPanel
                notifications={notifications}
                servers={serversState.servers.map((s) => s.name)}
                onClose={() => {
                  setInboxOpen(false);
                }}
              />
            )}
          </main>
          <ImportDialog imports={imports} onImported={openImported} />
          {aboutOpen && (
            <AboutDialog
              onClose={() => {
                setAboutOpen(false);
              }}
            />
          )}
          <ToastStack notifications={notifications} />
        </DropTarget>
      </NotifyContext.Provider>
    </BridgeContext.Provider>
  );
}
