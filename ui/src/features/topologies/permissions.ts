// What the user may do with collections, topologies and bind files, as the servers decide it
// (PROTOCOL.md §3.7; antimony-server's `permissions.rs`). A listed collection is one the user
// is a member of (servers list only those), so membership is not checked again here. Each rule
// gives the reason a control is disabled, or `null` when it is allowed; the server still
// decides, and its refusal (403) is shown when it comes.

import type { CollectionOut, TopologyOut } from "../../bindings";
import type { Identity } from "../../lib/bridge";

/** Allowed (`null`) or why not. */
export type Permission = string | null;

const admin = (identity: Identity | null): boolean => identity?.isAdmin === true;
const isCreator = (identity: Identity | null, creatorId: string): boolean => identity !== null && identity.id === creatorId;

/** Create a topology in a collection: admins, or members when the collection is publicly writable. */
export function canCreateTopology(identity: Identity | null, collection: CollectionOut | undefined): Permission {
  if (collection === undefined) return "Pick a collection first";
  if (admin(identity)) return null;
  return collection.publicWrite ? null : `Only administrators can add topologies to ${collection.name}`;
}

/** Change a topology's definition (or move it): admins, or its creator while its collection is publicly writable. */
export function canEditTopology(identity: Identity | null, topology: TopologyOut, collection: CollectionOut | undefined): Permission {
  if (admin(identity)) return null;
  if (!isCreator(identity, topology.creator.id)) return `Only its creator (${topology.creator.name}) or an administrator can change this topology`;
  if (collection?.publicWrite !== true) return `${collection?.name ?? "Its collection"} is not writable for members`;
  return null;
}

/** Delete a topology, and add, change or delete its bind files: admins or its creator. */
export function canOwnTopology(identity: Identity | null, topology: TopologyOut): Permission {
  if (admin(identity) || isCreator(identity, topology.creator.id)) return null;
  return `Only its creator (${topology.creator.name}) or an administrator can do this`;
}

/** Create a lab of a topology: admins, or members when its collection allows deploying. */
export function canCreateLab(identity: Identity | null, collection: CollectionOut | undefined): Permission {
  if (admin(identity)) return null;
  if (collection?.publicDeploy !== true) return `Only administrators can create labs from ${collection?.name ?? "this collection"}`;
  return null;
}

/** Create a collection: admins only. */
export function canCreateCollection(identity: Identity | null): Permission {
  return admin(identity) ? null : "Only administrators can create collections";
}

/** Rename, change or delete a collection: admins or its creator. */
export function canEditCollection(identity: Identity | null, collection: CollectionOut): Permission {
  if (admin(identity) || isCreator(identity, collection.creator.id)) return null;
  return `Only its creator (${collection.creator.name}) or an administrator can change ${collection.name}`;
}
