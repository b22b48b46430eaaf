// "Import topology…": opens the system's file chooser through a hidden file input.

import { useRef } from "react";

export function ImportButton({ onFile }: { onFile: (file: File) => void }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button
        type="button"
        className="button"
        data-testid="import-topology"
        title="Import a containerlab topology (.clab.yml), or drop one on the window"
        onClick={() => {
          input.current?.click();
        }}
      >
        Import topology…
      </button>
      {/* Clipped rather than display:none, so every webview (and WebDriver) can use it. */}
      <input
        ref={input}
        type="file"
        accept=".yml,.yaml"
        className="visually-hidden"
        tabIndex={-1}
        aria-hidden="true"
        data-testid="import-file-input"
        onChange={(e) => {
          const file = e.target.files?.[0];
          // Choosing the same file again must fire `change` again.
          e.target.value = "";
          if (file !== undefined) onFile(file);
        }}
      />
    </>
  );
}
