// Compile-time check that the generated bindings describe the JSON on the wire: each
// canonical fixture of antimony-protocol (which the Rust tests prove the Rust types encode
// exactly) must satisfy its TypeScript type. `npm run typecheck` fails when they disagree.

import ackError from "../../protocol/tests/fixtures/ack.error.json";
import ackNull from "../../protocol/tests/fixtures/ack.null.json";
import ackOpenShell from "../../protocol/tests/fixtures/ack.open-shell.json";
import ackShells from "../../protocol/tests/fixtures/ack.shells.json";
import bindFileIn from "../../protocol/tests/fixtures/bind-file-in.json";
import collectionIn from "../../protocol/tests/fixtures/collection-in.json";
import collections from "../../protocol/tests/fixtures/collections.json";
import devices from "../../protocol/tests/fixtures/devices.json";
import errorBody from "../../protocol/tests/fixtures/error.invalid-token.json";
import labCommand from "../../protocol/tests/fixtures/lab-command.object.json";
import labIn from "../../protocol/tests/fixtures/lab-in.json";
import labInPartial from "../../protocol/tests/fixtures/lab-in-partial.json";
import labUpdate from "../../protocol/tests/fixtures/lab-update.json";
import labUpdateAll from "../../protocol/tests/fixtures/lab-update.all.json";
import labs from "../../protocol/tests/fixtures/labs.json";
import loginConfig from "../../protocol/tests/fixtures/login-config.json";
import nativeCredentials from "../../protocol/tests/fixtures/native-credentials.json";
import prerequisites from "../../protocol/tests/fixtures/prerequisites.json";
import shellCommand from "../../protocol/tests/fixtures/shell-command.json";
import statusMessage from "../../protocol/tests/fixtures/status-message.json";
import topologies from "../../protocol/tests/fixtures/topologies.json";
import topologyIn from "../../protocol/tests/fixtures/topology-in.json";
import type {
  Ack,
  BindFileIn,
  CollectionIn,
  CollectionOut,
  DeviceConfig,
  Envelope,
  ErrorBody,
  LabCommandData,
  LabIn,
  LabInPartial,
  LabOut,
  LabUpdate,
  LoginConfig,
  NativeCredentials,
  PrerequisiteReport,
  ShellCommandData,
  ShellData,
  StatusMessage,
  TopologyIn,
  TopologyOut,
} from "../src/bindings";

export const checked = [
  ackError satisfies Ack<null>,
  ackNull satisfies Ack<null>,
  ackOpenShell satisfies Ack<string>,
  ackShells satisfies Ack<ShellData[] | null>,
  bindFileIn satisfies BindFileIn,
  collectionIn satisfies CollectionIn,
  collections satisfies Envelope<CollectionOut[]>,
  devices satisfies Envelope<DeviceConfig[]>,
  errorBody satisfies ErrorBody,
  labCommand satisfies LabCommandData,
  labIn satisfies LabIn,
  labInPartial satisfies LabInPartial,
  labUpdate satisfies Envelope<LabUpdate>,
  labUpdateAll satisfies Envelope<LabUpdate>,
  labs satisfies Envelope<LabOut[]>,
  loginConfig satisfies Envelope<LoginConfig>,
  nativeCredentials satisfies NativeCredentials,
  prerequisites satisfies PrerequisiteReport,
  shellCommand satisfies Envelope<ShellCommandData>,
  statusMessage satisfies Envelope<StatusMessage>,
  topologies satisfies Envelope<TopologyOut[]>,
  topologyIn satisfies TopologyIn,
] as const;
