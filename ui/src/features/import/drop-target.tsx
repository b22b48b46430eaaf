// Dropping a file anywhere on the window imports it. HTML5 drag events (Tauri's native
// drag-drop is off, so the webview gets them); an overlay says where the file goes while a
// file is dragged over. Enter/leave are counted because they fire for every child crossed,
// and only drags that carry files count.

import { useRef, useState, type DragEvent, type ReactNode } from "react";

function carriesFiles(e: DragEvent): boolean {
  return Array.from(e.dataTransfer.types).includes("Files");
}

/** Text dragged onto a field goes in as usual. */
function ontoField(e: DragEvent): boolean {
  const t = e.target;
  return t instanceof HTMLElement && (t.isContentEditable || t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement);
}

/**
 * A link or text dropped anywhere else is refused: left to WebKit, the webview would load it
 * in place of the app.
 */
function refuseOthers(e: DragEvent): void {
  if (ontoField(e)) return;
  e.preventDefault();
  e.dataTransfer.dropEffect = "none";
}

export function DropTarget({
  target,
  onFile,
  className,
  children,
}: {
  /** The server a dropped file goes to; `null` when none is logged in (the drop is refused). */
  target: string | null;
  onFile: (file: File) => void;
  className?: string;
  children: ReactNode;
}) {
  const depth = useRef(0);
  const [over, setOver] = useState(false);

  return (
    <div
      className={className}
      onDragEnter={(e) => {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        depth.current += 1;
        setOver(true);
      }}
      onDragOver={(e) => {
        if (!carriesFiles(e)) {
          refuseOthers(e);
          return;
        }
        // Without this the webview would open the file itself.
        e.preventDefault();
        e.dataTransfer.dropEffect = target === null ? "none" : "copy";
      }}
      onDragLeave={(e) => {
        if (!carriesFiles(e)) return;
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setOver(false);
      }}
      onDrop={(e) => {
        if (!carriesFiles(e)) {
          refuseOthers(e);
          return;
        }
        e.preventDefault();
        depth.current = 0;
        setOver(false);
        const file = e.dataTransfer.files[0];
        if (file !== undefined && target !== null) onFile(file);
      }}
    >
      {children}
      {over && (
        <div className="drop-overlay" data-testid="drop-overlay" role="status">
          <div className="drop-overlay-box">{target === null ? "Log in to a server to import a topology" : `Drop a .clab.yml to import it into ${target}`}</div>
        </div>
      )}
    </div>
  );
}
