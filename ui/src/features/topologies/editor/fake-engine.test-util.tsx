// A YAML editor for tests: jsdom cannot lay CodeMirror out, so this one is a textarea that
// records what the editor view does with it (texts set, problems shown, lines gone to) and
// answers completion as the real one asks for it.

import type { ReactNode } from "react";
import type { EditorProblem, LoadYamlEditor, YamlEditorEngine, YamlEditorOptions } from "./engine";
import { YamlEditorEngineContext } from "./engine-context";

export interface FakeYamlEditor extends YamlEditorEngine {
  readonly options: YamlEditorOptions;
  readonly textarea: HTMLTextAreaElement;
  problems: readonly EditorProblem[];
  lines: number[];
  readOnly: boolean;
  /** Types a whole new text, as a user's edits would end. */
  type(text: string): void;
  /** What completion offers with the cursor at `offset`. */
  complete(offset: number): ReturnType<YamlEditorOptions["complete"]>;
}

export function createFakeYamlEditors(): { loader: LoadYamlEditor; made: FakeYamlEditor[]; last(): FakeYamlEditor } {
  const made: FakeYamlEditor[] = [];
  const loader: LoadYamlEditor = () =>
    Promise.resolve((parent: HTMLElement, options: YamlEditorOptions) => {
      const textarea = parent.ownerDocument.createElement("textarea");
      textarea.value = options.text;
      textarea.setAttribute("aria-label", options.label);
      textarea.dataset.testid = "yaml-input";
      parent.appendChild(textarea);
      const editor: FakeYamlEditor = {
        options,
        textarea,
        problems: [],
        lines: [],
        readOnly: options.readOnly,
        setText: (text) => { textarea.value = text; },
        setProblems: (problems) => { editor.problems = problems; },
        setReadOnly: (value) => { editor.readOnly = value; },
        goToLine: (line) => { editor.lines.push(line); },
        focus: () => { textarea.focus(); },
        destroy: () => { textarea.remove(); },
        type: (text) => {
          textarea.value = text;
          options.onChange(text);
        },
        complete: (offset) => options.complete(textarea.value, offset),
      };
      made.push(editor);
      return editor;
    });
  return {
    loader,
    made,
    last: () => {
      const e = made[made.length - 1];
      if (e === undefined) throw new Error("no editor was made");
      return e;
    },
  };
}

export function FakeYamlEditors({ loader, children }: { loader: LoadYamlEditor; children: ReactNode }) {
  return <YamlEditorEngineContext.Provider value={loader}>{children}</YamlEditorEngineContext.Provider>;
}
