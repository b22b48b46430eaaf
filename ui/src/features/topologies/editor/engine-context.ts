// Where the YAML editor gets its engine: CodeMirror 6, loaded on first use (a script of its
// own), unless a provider gives another (the tests' textarea).

import { createContext } from "react";
import type { CreateYamlEditor, LoadYamlEditor } from "./engine";

let loading: Promise<CreateYamlEditor> | null = null;

/** Loads CodeMirror once. */
export const loadCodeMirror: LoadYamlEditor = () => {
  loading ??= import("./codemirror-engine").then((m) => m.createCodeMirrorEditor);
  return loading;
};

export const YamlEditorEngineContext = createContext<LoadYamlEditor>(loadCodeMirror);
