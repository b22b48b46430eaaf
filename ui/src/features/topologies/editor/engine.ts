// The YAML editor behind an interface, as the terminal and the graph are: the real one is
// CodeMirror 6 (`codemirror-engine.ts`, a script of its own loaded when an editor first opens);
// tests give a recording one (a textarea, `fake-engine.test-util.tsx`), as jsdom cannot lay
// CodeMirror out. What the text means (its problems, its completions) is worked out outside
// the engine, in plain functions (`check.ts`).

/** A problem shown in the text: underlined between `from` and `to`, with a gutter mark. */
export interface EditorProblem {
  from: number;
  to: number;
  message: string;
  severity: "error" | "warning";
  /** "editor" (the schema) or "server" (its answer on save). */
  source: string;
}

/** What completion offers where the cursor is: the word's start and the options. */
export interface EditorCompletion {
  from: number;
  options: { label: string; detail?: string; info?: string; apply?: string; type: "property" | "enum" | "keyword" }[];
}

export interface YamlEditorOptions {
  text: string;
  readOnly: boolean;
  /** Called on every change of the text (the caller debounces what is costly). */
  onChange: (text: string) => void;
  /** Options at an offset of the text, or `null`. */
  complete: (text: string, offset: number) => EditorCompletion | null;
  /** The editor's name for screen readers. */
  label: string;
}

export interface YamlEditorEngine {
  /** Replaces the whole text (another topology opened, a rename). */
  setText(text: string): void;
  setProblems(problems: readonly EditorProblem[]): void;
  setReadOnly(readOnly: boolean): void;
  /** Puts the cursor at the start of a 1-based line, scrolled into view, and focuses. */
  goToLine(line: number): void;
  focus(): void;
  destroy(): void;
}

export type CreateYamlEditor = (parent: HTMLElement, options: YamlEditorOptions) => YamlEditorEngine;
export type LoadYamlEditor = () => Promise<CreateYamlEditor>;
