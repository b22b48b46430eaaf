// Vitest setup: unmount what a test rendered, so tests do not see each other's DOM; and give
// jsdom's Blob the `text()` every webview has (jsdom lacks it; the import reads files with it).
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

afterEach(() => {
  cleanup();
});

// eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- jsdom has no Blob.text
if (Blob.prototype.text === undefined) {
  Blob.prototype.text = function text(this: Blob): Promise<string> {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => {
        resolve(typeof reader.result === "string" ? reader.result : "");
      };
      reader.onerror = () => {
        reject(reader.error ?? new Error("could not read the blob"));
      };
      reader.readAsText(this);
    });
  };
}
