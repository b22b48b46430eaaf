import { StatusDot } from "../../components/status-dot";
import type { InstanceState } from "../../bindings";
import { stateLabel, stateTone, stateWord } from "./lab-state";

export function LabStateBadge({ state }: { state: InstanceState }) {
  const word = stateWord(state);
  return <StatusDot tone={stateTone[word]} label={stateLabel[word]} pulse={word === "deploying" || word === "stopping"} />;
}
