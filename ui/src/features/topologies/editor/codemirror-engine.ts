// The YAML editor: CodeMirror 6 with its YAML language, line numbers, history, search-free
// default keys, completion and lint marks. Loaded on first use (a script of its own).
//
// Under the app's CSP (`style-src 'self'`): CodeMirror styles itself through style-mod, which
// writes a `<style>` element into a document (blocked by the CSP) but adopts a constructed
// stylesheet into a shadow root (the CSSOM, which the CSP allows). So the editor lives in a
// shadow root of its own; its colours come from the app's CSS variables, which cross into it.
// Everything else CodeMirror styles through `element.style` (the CSSOM) as well.

import { autocompletion, completionKeymap, type CompletionContext, type CompletionResult } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { yaml } from "@codemirror/lang-yaml";
import { HighlightStyle, indentUnit, syntaxHighlighting } from "@codemirror/language";
import { lintGutter, lintKeymap, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { Compartment, EditorSelection, EditorState } from "@codemirror/state";
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from "@codemirror/view";
import { tags } from "@lezer/highlight";
import type { CreateYamlEditor, EditorProblem } from "./engine";

const theme = EditorView.theme({
  "&": { height: "100%", color: "var(--text)", backgroundColor: "var(--surface)", fontSize: "13px" },
  "&.cm-focused": { outline: "none" },
  ".cm-scroller": { fontFamily: "var(--font-mono)", lineHeight: "1.5" },
  ".cm-content": { caretColor: "var(--text)" },
  ".cm-gutters": { backgroundColor: "var(--surface-sunken)", color: "var(--text-muted)", borderRight: "1px solid var(--border)" },
  ".cm-activeLine": { backgroundColor: "color-mix(in srgb, var(--accent) 7%, transparent)" },
  ".cm-activeLineGutter": { backgroundColor: "color-mix(in srgb, var(--accent) 12%, transparent)" },
  "&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection": { backgroundColor: "var(--selected) !important" },
  ".cm-tooltip": { backgroundColor: "var(--surface)", color: "var(--text)", border: "1px solid var(--border)" },
  ".cm-tooltip-autocomplete ul li[aria-selected]": { backgroundColor: "var(--accent)", color: "var(--accent-text)" },
  ".cm-completionDetail": { color: "var(--text-muted)", fontStyle: "normal", marginLeft: "1em" },
  ".cm-diagnostic": { fontFamily: "var(--font-ui)" },
});

const highlight = HighlightStyle.define([
  { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: "var(--ansi-4)" },
  { tag: [tags.string, tags.special(tags.string)], color: "var(--ansi-2)" },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: "var(--ansi-3)" },
  { tag: [tags.comment, tags.lineComment], color: "var(--text-muted)", fontStyle: "italic" },
  { tag: [tags.meta, tags.processingInstruction, tags.labelName], color: "var(--ansi-5)" },
  { tag: [tags.punctuation, tags.separator, tags.squareBracket, tags.brace], color: "var(--text-muted)" },
]);

export const createCodeMirrorEditor: CreateYamlEditor = (parent, options) => {
  // The shadow root that lets style-mod adopt its stylesheet (see the top of the file).
  const host = parent.ownerDocument.createElement("div");
  host.className = "yaml-editor-host";
  parent.appendChild(host);
  const root = host.attachShadow({ mode: "open" });
  const mount = parent.ownerDocument.createElement("div");
  mount.className = "yaml-editor-mount";
  root.appendChild(mount);
  const sizing = new CSSStyleSheet();
  sizing.replaceSync(":host { display: block; height: 100%; } .yaml-editor-mount { height: 100%; }");
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sizing];

  const readOnly = new Compartment();
  const source = (context: CompletionContext): CompletionResult | null => {
    const found = options.complete(context.state.doc.toString(), context.pos);
    if (found === null || (found.options.length === 0 && !context.explicit)) return null;
    return { from: found.from, options: found.options, validFor: /^[\w.-]*$/ };
  };
  const view = new EditorView({
    root,
    parent: mount,
    state: EditorState.create({
      doc: options.text,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightActiveLine(),
        history(),
        drawSelection(),
        indentUnit.of("  "),
        EditorState.tabSize.of(2),
        yaml(),
        syntaxHighlighting(highlight),
        lintGutter(),
        autocompletion({ override: [source], activateOnTyping: true, icons: false }),
        // Esc closes the completion; otherwise the editor keeps it, so it never leaves the page
        // (the app's Esc goes back to the labs) with the text unsaved.
        keymap.of([...completionKeymap, ...lintKeymap, ...defaultKeymap, ...historyKeymap, indentWithTab, { key: "Escape", run: () => true }]),
        readOnly.of(EditorState.readOnly.of(options.readOnly)),
        EditorView.contentAttributes.of({ "aria-label": options.label, "data-testid": "yaml-input" }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) options.onChange(update.state.doc.toString());
        }),
        theme,
      ],
    }),
  });

  return {
    setText: (text) => {
      if (text === view.state.doc.toString()) return;
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    setProblems: (problems: readonly EditorProblem[]) => {
      const length = view.state.doc.length;
      const diagnostics: Diagnostic[] = problems.map((p) => ({
        from: Math.min(p.from, length),
        to: Math.min(Math.max(p.to, p.from), length),
        severity: p.severity,
        message: p.message,
        source: p.source,
      }));
      view.dispatch(setDiagnostics(view.state, diagnostics));
    },
    setReadOnly: (value) => {
      view.dispatch({ effects: readOnly.reconfigure(EditorState.readOnly.of(value)) });
    },
    goToLine: (line) => {
      const target = view.state.doc.line(Math.max(1, Math.min(line, view.state.doc.lines)));
      view.dispatch({ selection: EditorSelection.cursor(target.from), scrollIntoView: true });
      view.focus();
    },
    focus: () => {
      view.focus();
    },
    destroy: () => {
      view.destroy();
      host.remove();
    },
  };
};
