//! What a lab host needs before it can deploy labs, checked one piece at a time so that the
//! app can say exactly what is missing and what to do about it (a missing piece never stops
//! the server: it starts, and deploys fail with the same guidance).

use std::path::{Path, PathBuf};

use super::DriverError;

/// The group whose members may run a setuid-root containerlab (0.62 and later) without sudo.
pub const CLAB_ADMINS: &str = "clab_admins";

pub use antimony_protocol::{PrerequisiteCheck as Check, PrerequisiteReport as Prerequisites};

/// A check that passed.
pub fn passed(id: &str, title: &str, detail: impl Into<String>) -> Check {
    Check {
        id: id.to_owned(),
        title: title.to_owned(),
        ok: true,
        detail: detail.into(),
        guidance: None,
    }
}

/// A check that failed.
pub fn failed(
    id: &str,
    title: &str,
    detail: impl Into<String>,
    guidance: impl Into<String>,
) -> Check {
    Check {
        id: id.to_owned(),
        title: title.to_owned(),
        ok: false,
        detail: detail.into(),
        guidance: Some(guidance.into()),
    }
}

/// A check from a driver call's outcome: the version, or the error's hint as guidance.
pub fn from_result(id: &str, title: &str, result: &Result<String, DriverError>) -> Check {
    match result {
        Ok(version) => passed(id, title, version.clone()),
        Err(DriverError::Missing { tool, hint }) => {
            failed(id, title, format!("{tool} is not available"), hint.clone())
        }
        Err(DriverError::NotPermitted { tool, hint }) => failed(
            id,
            title,
            format!("this user may not use {tool}"),
            hint.clone(),
        ),
        Err(other) => failed(
            id,
            title,
            other.to_string(),
            "see the app's log for details",
        ),
    }
}

/// Where `binary` is: itself when it names a path, else the first match on `PATH`.
pub fn locate(binary: &Path) -> Option<PathBuf> {
    if binary.components().count() > 1 {
        return binary.is_file().then(|| binary.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(binary))
        .find(|candidate| candidate.is_file())
}

/// Who this process is, as far as containerlab's privilege model cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The effective user id.
    pub euid: u32,
    /// Every group id of the process (supplementary ones included).
    pub groups: Vec<u32>,
}

impl Identity {
    /// This process, from `/proc/self/status`.
    pub fn current() -> Option<Self> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        parse_status(&status)
    }
}

/// Reads the effective uid and the groups from `/proc/<pid>/status` text.
pub fn parse_status(status: &str) -> Option<Identity> {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|rest| {
                rest.split_whitespace()
                    .filter_map(|n| n.parse::<u32>().ok())
                    .collect::<Vec<_>>()
            })
    };
    let uids = field("Uid:")?;
    let euid = *uids.get(1)?;
    let mut groups = field("Groups:").unwrap_or_default();
    if let Some(gids) = field("Gid:")
        && let Some(egid) = gids.get(1)
    {
        groups.push(*egid);
    }
    Some(Identity { euid, groups })
}

/// The gid of `name` in `/etc/group` text.
pub fn group_id(etc_group: &str, name: &str) -> Option<u32> {
    etc_group.lines().find_map(|line| {
        let mut fields = line.split(':');
        (fields.next()? == name).then_some(())?;
        fields.nth(1)?.parse().ok()
    })
}

/// Whether this user may have containerlab deploy labs: root may; others need a setuid-root
/// containerlab (0.62+) and membership of `clab_admins`.
///
/// `setuid_root` tells whether the binary is owned by root with the setuid bit;
/// `clab_admins` is that group's gid, if the group exists.
pub fn containerlab_permission(
    who: &Identity,
    binary: &Path,
    setuid_root: bool,
    clab_admins: Option<u32>,
) -> Check {
    const ID: &str = "permissions";
    const TITLE: &str = "Permission to deploy";
    if who.euid == 0 {
        return passed(ID, TITLE, "running as root");
    }
    if !setuid_root {
        return failed(
            ID,
            TITLE,
            format!(
                "{} is not installed setuid root, so it only works as root",
                binary.display()
            ),
            "install containerlab 0.62 or later with its installer (`bash -c \"$(curl -sL https://get.containerlab.dev)\"`), which lets members of the `clab_admins` group deploy without sudo; or start the app as root",
        );
    }
    match clab_admins {
        Some(gid) if who.groups.contains(&gid) => passed(
            ID,
            TITLE,
            format!("member of {CLAB_ADMINS} (containerlab runs without sudo)"),
        ),
        Some(_) => failed(
            ID,
            TITLE,
            format!("this user is not in the {CLAB_ADMINS} group"),
            format!(
                "`sudo usermod -aG {CLAB_ADMINS} $USER`, then log out and in again (or reboot) so the new group applies"
            ),
        ),
        None => failed(
            ID,
            TITLE,
            format!("there is no {CLAB_ADMINS} group"),
            format!(
                "`sudo groupadd -r {CLAB_ADMINS} && sudo usermod -aG {CLAB_ADMINS} $USER`, then log out and in again"
            ),
        ),
    }
}

/// The permission check for the containerlab at `binary`, on this machine.
pub fn check_containerlab_permission(binary: &Path) -> Check {
    use std::os::unix::fs::MetadataExt;
    let Some(who) = Identity::current() else {
        return failed(
            "permissions",
            "Permission to deploy",
            "cannot read this process's identity (/proc/self/status)",
            "the app needs a Linux /proc",
        );
    };
    let located = locate(binary);
    let setuid_root = located
        .as_deref()
        .and_then(|p| std::fs::metadata(p).ok())
        .is_some_and(|m| m.uid() == 0 && m.mode() & 0o4000 != 0);
    let clab_admins = std::fs::read_to_string("/etc/group")
        .ok()
        .and_then(|text| group_id(&text, CLAB_ADMINS));
    containerlab_permission(
        &who,
        located.as_deref().unwrap_or(binary),
        setuid_root,
        clab_admins,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str =
        "Name:\tcat\nUid:\t1000\t1001\t1000\t1000\nGid:\t100\t100\t100\t100\nGroups:\t24 27 998 \n";

    #[test]
    fn reads_the_effective_identity() {
        let who = parse_status(STATUS).unwrap();
        assert_eq!(who.euid, 1001);
        assert_eq!(who.groups, vec![24, 27, 998, 100]);
        assert_eq!(parse_status("Name:\tx\n"), None);
    }

    #[test]
    fn finds_a_group_by_name() {
        let text = "root:x:0:\ndocker:x:999:alice\nclab_admins:x:998:alice,bob\n";
        assert_eq!(group_id(text, "clab_admins"), Some(998));
        assert_eq!(group_id(text, "docker"), Some(999));
        assert_eq!(group_id(text, "clab"), None);
    }

    #[test]
    fn root_may_always_deploy() {
        let root = Identity {
            euid: 0,
            groups: vec![],
        };
        assert!(containerlab_permission(&root, Path::new("/usr/bin/containerlab"), false, None).ok);
    }

    #[test]
    fn others_need_setuid_containerlab_and_the_group() {
        let alice = Identity {
            euid: 1000,
            groups: vec![100, 998],
        };
        let bin = Path::new("/usr/bin/containerlab");
        assert!(containerlab_permission(&alice, bin, true, Some(998)).ok);
        let not_member = containerlab_permission(&alice, bin, true, Some(997));
        assert!(!not_member.ok);
        assert!(
            not_member
                .guidance
                .unwrap()
                .contains("usermod -aG clab_admins")
        );
        let no_group = containerlab_permission(&alice, bin, true, None);
        assert!(no_group.guidance.unwrap().contains("groupadd"));
        let plain = containerlab_permission(&alice, bin, false, Some(998));
        assert!(!plain.ok);
        assert!(plain.detail.contains("not installed setuid root"));
    }

    #[test]
    fn a_report_is_ready_only_when_every_check_passed() {
        let ok = passed("docker", "Docker engine", "27.1.1");
        let missing = from_result(
            "containerlab",
            "containerlab",
            &Err(DriverError::Missing {
                tool: "containerlab",
                hint: "install it".into(),
            }),
        );
        assert_eq!(missing.detail, "containerlab is not available");
        assert_eq!(missing.guidance.as_deref(), Some("install it"));
        assert!(!Prerequisites::new(vec![ok.clone(), missing]).ready);
        assert!(Prerequisites::new(vec![ok]).ready);
    }

    #[test]
    fn locates_binaries_by_path_or_on_path() {
        assert_eq!(locate(Path::new("/nonexistent/containerlab")), None);
        assert!(locate(Path::new("sh")).is_some(), "sh is on PATH");
        assert_eq!(locate(Path::new("/bin/sh")), Some(PathBuf::from("/bin/sh")));
    }
}
