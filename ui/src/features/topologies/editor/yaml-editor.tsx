// The YAML editor on screen: an engine (CodeMirror, loaded on first use, or a test's) mounted
// once, fed the text when another topology opens, the problems whenever they change, and
// read-only when the user may not change the topology.

import { forwardRef, useContext, useEffect, useImperativeHandle, useRef, useState } from "react";
import type { EditorCompletion, EditorProblem, YamlEditorEngine } from "./engine";
import { YamlEditorEngineContext } from "./engine-context";

export interface YamlEditorHandle {
  goToLine(line: number): void;
}

export interface YamlEditorProps {
  /** The text; a change from outside (not typed) replaces the editor's. */
  text: string;
  onChange: (text: string) => void;
  problems: readonly EditorProblem[];
  readOnly: boolean;
  complete: (text: string, offset: number) => EditorCompletion | null;
  label: string;
}

export const YamlEditor = forwardRef<YamlEditorHandle, YamlEditorProps>(function YamlEditor({ text, onChange, problems, readOnly, complete, label }, ref) {
  const load = useContext(YamlEditorEngineContext);
  const parent = useRef<HTMLDivElement>(null);
  const engine = useRef<YamlEditorEngine | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [ready, setReady] = useState(false);
  // The latest props for the engine's callbacks, which are made once.
  const latest = useRef({ text, onChange, complete });
  latest.current = { text, onChange, complete };
  // What the editor holds: a `text` prop equal to it is the editor's own change coming back.
  const held = useRef(text);

  useImperativeHandle(ref, () => ({
    goToLine: (line) => {
      engine.current?.goToLine(line);
    },
  }));

  useEffect(() => {
    let live = true;
    load().then(
      (create) => {
        if (!live || parent.current === null) return;
        engine.current = create(parent.current, {
          text: latest.current.text,
          readOnly,
          label,
          onChange: (value) => {
            held.current = value;
            latest.current.onChange(value);
          },
          complete: (value, offset) => latest.current.complete(value, offset),
        });
        held.current = latest.current.text;
        setReady(true);
      },
      (error: unknown) => {
        if (live) setFailure(error instanceof Error ? error.message : String(error));
      },
    );
    return () => {
      live = false;
      engine.current?.destroy();
      engine.current = null;
    };
    // Made once; later props reach it through the effects below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [load]);

  useEffect(() => {
    if (engine.current === null || text === held.current) return;
    held.current = text;
    engine.current.setText(text);
  }, [text, ready]);

  useEffect(() => {
    engine.current?.setProblems(problems);
  }, [problems, ready]);

  useEffect(() => {
    engine.current?.setReadOnly(readOnly);
  }, [readOnly, ready]);

  return (
    <div className="yaml-editor" data-testid="yaml-editor" data-ready={ready} ref={parent}>
      {failure !== null && <p className="yaml-editor-failure">The editor could not be loaded: {failure}</p>}
    </div>
  );
});
