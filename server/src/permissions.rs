//! Who may do what (PROTOCOL.md §3.7). Admins may do everything; other users are members of
//! the collections named like their groups. Pure functions, so the rules are tested as a
//! table.

use crate::store::{CollectionRecord, LabRecord, TopologyRecord, User};

/// Whether `user` is a member of the collection called `collection_name`.
pub fn is_member(user: &User, collection_name: &str) -> bool {
    user.is_admin || user.groups.iter().any(|g| g == collection_name)
}

/// List or get a lab; fetch or open shells in it.
pub fn can_see_lab(user: &User, lab: &LabRecord) -> bool {
    is_member(user, &lab.collection_name)
}

/// Create a lab from a topology.
pub fn can_create_lab(user: &User, topology: &TopologyRecord) -> bool {
    user.is_admin
        || (is_member(user, &topology.collection_name) && topology.collection_public_deploy)
}

/// PATCH or DELETE a lab; deploy, destroy, start, stop or restart its nodes.
pub fn can_control_lab(user: &User, lab: &LabRecord) -> bool {
    user.is_admin || lab.creator.id == user.id
}

/// List a topology.
pub fn can_see_topology(user: &User, topology: &TopologyRecord) -> bool {
    is_member(user, &topology.collection_name)
}

/// Create a topology in a collection.
pub fn can_create_topology(user: &User, collection: &CollectionRecord) -> bool {
    user.is_admin || (is_member(user, &collection.name) && collection.public_write)
}

/// PATCH a topology (checked again for a new collection with [`can_create_topology`]).
pub fn can_edit_topology(user: &User, topology: &TopologyRecord) -> bool {
    user.is_admin
        || (topology.creator.id == user.id
            && is_member(user, &topology.collection_name)
            && topology.collection_public_write)
}

/// DELETE a topology; create, update or delete its bind files.
pub fn can_own_topology(user: &User, topology: &TopologyRecord) -> bool {
    user.is_admin || topology.creator.id == user.id
}

/// List a collection.
pub fn can_see_collection(user: &User, collection: &CollectionRecord) -> bool {
    is_member(user, &collection.name)
}

/// Create a collection.
pub fn can_create_collection(user: &User) -> bool {
    user.is_admin
}

/// PATCH or DELETE a collection.
pub fn can_edit_collection(user: &User, collection: &CollectionRecord) -> bool {
    user.is_admin || collection.creator.id == user.id
}

#[cfg(test)]
mod tests {
    use antimony_protocol::Timestamp;
    use antimony_protocol::rest::UserOut;

    use super::*;

    fn user(id: &str, admin: bool, groups: &[&str]) -> User {
        User {
            id: id.into(),
            name: id.into(),
            is_admin: admin,
            groups: groups.iter().map(|g| (*g).into()).collect(),
        }
    }

    fn out(id: &str) -> UserOut {
        UserOut {
            id: id.into(),
            name: id.into(),
        }
    }

    fn collection(creator: &str, write: bool, deploy: bool) -> CollectionRecord {
        CollectionRecord {
            id: "c".into(),
            name: "netlab".into(),
            public_write: write,
            public_deploy: deploy,
            creator: out(creator),
            allow_host_access: false,
        }
    }

    fn topology(creator: &str, write: bool, deploy: bool) -> TopologyRecord {
        TopologyRecord {
            id: "t".into(),
            name: "topo".into(),
            sync_url: String::new(),
            collection_id: "c".into(),
            collection_name: "netlab".into(),
            collection_public_write: write,
            collection_public_deploy: deploy,
            creator: out(creator),
            last_deploy_failed: false,
        }
    }

    fn lab(creator: &str) -> LabRecord {
        LabRecord {
            id: "l".into(),
            name: "lab".into(),
            start_time: Timestamp::now_utc(),
            end_time: None,
            topology_id: "t".into(),
            topology_name: "topo".into(),
            collection_id: "c".into(),
            collection_name: "netlab".into(),
            creator: out(creator),
            topology_definition: String::new(),
            instance_name: None,
        }
    }

    #[test]
    fn the_rules_of_protocol_3_7() {
        let admin = user("admin", true, &[]);
        let member = user("alice", false, &["netlab"]);
        let outsider = user("bob", false, &["other"]);

        // list/get labs: member of the lab's collection.
        assert!(can_see_lab(&admin, &lab("x")) && can_see_lab(&member, &lab("x")));
        assert!(!can_see_lab(&outsider, &lab("x")));
        // create lab: member and publicDeploy.
        assert!(can_create_lab(&member, &topology("x", false, true)));
        assert!(!can_create_lab(&member, &topology("x", true, false)));
        assert!(!can_create_lab(&outsider, &topology("x", true, true)));
        assert!(can_create_lab(&admin, &topology("x", false, false)));
        // control lab: creator, membership not required.
        assert!(can_control_lab(&outsider, &lab("bob")));
        assert!(!can_control_lab(&member, &lab("bob")));
        assert!(can_control_lab(&admin, &lab("bob")));
        // list topologies: member.
        assert!(can_see_topology(&member, &topology("x", false, false)));
        assert!(!can_see_topology(&outsider, &topology("bob", true, true)));
        // create topology: member and publicWrite.
        assert!(can_create_topology(&member, &collection("x", true, false)));
        assert!(!can_create_topology(&member, &collection("x", false, true)));
        assert!(!can_create_topology(
            &outsider,
            &collection("x", true, true)
        ));
        // PATCH topology: creator and member and publicWrite.
        assert!(can_edit_topology(&member, &topology("alice", true, false)));
        assert!(!can_edit_topology(
            &member,
            &topology("alice", false, false)
        ));
        assert!(!can_edit_topology(&member, &topology("x", true, true)));
        assert!(
            !can_edit_topology(&outsider, &topology("bob", true, true)),
            "creator but no longer a member"
        );
        // DELETE topology and bind files: creator.
        assert!(can_own_topology(&outsider, &topology("bob", false, false)));
        assert!(!can_own_topology(&member, &topology("bob", true, true)));
        // collections.
        assert!(can_see_collection(&member, &collection("x", false, false)));
        assert!(!can_see_collection(&outsider, &collection("x", true, true)));
        assert!(can_create_collection(&admin) && !can_create_collection(&member));
        assert!(can_edit_collection(
            &outsider,
            &collection("bob", false, false)
        ));
        assert!(!can_edit_collection(
            &member,
            &collection("bob", true, true)
        ));
        // admins may do everything.
        assert!(can_edit_topology(&admin, &topology("x", false, false)));
        assert!(can_own_topology(&admin, &topology("x", false, false)));
        assert!(can_edit_collection(&admin, &collection("x", false, false)));
    }
}
