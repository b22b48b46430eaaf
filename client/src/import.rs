//! Importing a containerlab topology file as a lab: the one place that says which files are
//! topologies (extension, size), what the lab is called, which collection it goes into, and
//! when it starts and ends. The CLI (`antimony import`) and the desktop app are adapters over
//! [`import`]; the desktop UI keeps only a quick pre-check.

use antimony_protocol::rest::{CollectionIn, LabIn, LabOut, TopologyIn};
use antimony_protocol::{ErrorBody, Timestamp};

use crate::rest::RestClient;
use crate::{Error, Result};

/// The largest topology file that is imported: 1 MiB.
pub const MAX_TOPOLOGY_BYTES: usize = 1024 * 1024;

/// The collection imports go into unless told otherwise.
pub const LOCAL_COLLECTION: &str = "local";

/// The file name endings of containerlab topologies (matched in any case).
pub const EXTENSIONS: [&str; 2] = [".clab.yml", ".clab.yaml"];

/// Whether a file name is a containerlab topology's: `.clab.yml` or `.clab.yaml`, in any case.
pub fn is_topology_file(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    EXTENSIONS.iter().any(|ext| name.ends_with(ext))
}

/// A topology file that may be imported, with the name its lab gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopologyFile {
    /// The file's name as the user gave it.
    pub file_name: String,
    /// Its text (containerlab YAML; the server validates it).
    pub definition: String,
    /// The lab's name: the topology's top-level `name:`, else the file name without its
    /// extension.
    pub lab_name: String,
}

/// Why a file cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    /// Not `.clab.yml` / `.clab.yaml`.
    #[error("{0} is not a containerlab file (.clab.yml or .clab.yaml)")]
    NotATopology(String),
    /// Over [`MAX_TOPOLOGY_BYTES`].
    #[error("{0} is bigger than 1 MiB")]
    TooBig(String),
}

impl TopologyFile {
    /// Checks a file's name and size and reads its lab name.
    pub fn new(
        file_name: impl Into<String>,
        definition: impl Into<String>,
    ) -> Result<Self, FileProblem> {
        let (file_name, definition) = (file_name.into(), definition.into());
        if !is_topology_file(&file_name) {
            return Err(FileProblem::NotATopology(file_name));
        }
        if definition.len() > MAX_TOPOLOGY_BYTES {
            return Err(FileProblem::TooBig(file_name));
        }
        let lab_name = topology_name(&definition).unwrap_or_else(|| base_name(&file_name));
        Ok(TopologyFile {
            file_name,
            definition,
            lab_name,
        })
    }

    /// Reads and checks a file from disk (the size is checked before it is read whole).
    pub fn read(path: &std::path::Path) -> Result<Self> {
        let file_name = path.display().to_string();
        if !is_topology_file(&file_name) {
            return Err(FileProblem::NotATopology(file_name).into());
        }
        let io = |source| Error::Io {
            context: format!("reading {file_name}"),
            source,
        };
        let size = std::fs::metadata(path).map_err(io)?.len();
        if size > MAX_TOPOLOGY_BYTES as u64 {
            return Err(FileProblem::TooBig(file_name).into());
        }
        let definition = std::fs::read_to_string(path).map_err(io)?;
        Ok(TopologyFile::new(file_name, definition)?)
    }
}

/// The file's name without its directory and its `.clab.yml` / `.clab.yaml` ending.
fn base_name(file_name: &str) -> String {
    let name = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let lower = name.to_ascii_lowercase();
    EXTENSIONS
        .iter()
        .find(|ext| lower.ends_with(*ext))
        .and_then(|ext| name.get(..name.len() - ext.len()))
        .unwrap_or(name)
        .to_owned()
}

/// The top-level `name:` of a containerlab YAML text, read without a YAML parser (the server
/// validates the file; this only names the lab): a quoted value is what is inside the quotes,
/// a plain one ends at a ` #` comment.
pub fn topology_name(definition: &str) -> Option<String> {
    definition.lines().find_map(|line| {
        let value = line.strip_prefix("name:")?.trim();
        let value = match value.chars().next() {
            Some(quote @ ('"' | '\'')) => value.get(1..)?.split(quote).next()?,
            _ => value
                .find(" #")
                .or_else(|| value.find("\t#"))
                .map_or(value, |at| value.get(..at).unwrap_or(value))
                .trim(),
        };
        (!value.is_empty()).then(|| value.to_owned())
    })
}

/// When an imported lab starts.
///
/// Antimony servers queue every lab for its start time and deploy it then, so a lab that
/// should wait for the user starts far ahead, and one the user deploys now starts a minute
/// ahead: the Deploy command takes it off the queue before the scheduler would (a start of
/// "now" would race it and deploy twice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStart {
    /// Not scheduled: the user deploys it.
    Unscheduled,
    /// About to be deployed by a Deploy command.
    DeployNow,
    /// The server deploys it at this time.
    At(Timestamp),
}

/// The start time of a lab that is not scheduled: 2099-01-01T00:00:00Z.
pub const UNSCHEDULED_START: time::OffsetDateTime = time::macros::datetime!(2099-01-01 00:00 UTC);

/// The end time of a lab that never ends: 2199-01-01, after anything the user will see.
pub const NEVER_ENDS: time::OffsetDateTime = time::macros::datetime!(2199-01-01 00:00 UTC);

/// How far ahead a start or an end is parked rather than planned: 50 years. The import's 2099
/// and 2199 are beyond it, and no one plans a lab that far ahead.
const PARKED_AFTER: time::Duration = time::Duration::days(50 * 365);

/// Whether a lab is not scheduled: not deployed, and its start parked far ahead (as the import
/// leaves a lab the user deploys).
pub fn not_scheduled(lab: &LabOut, now: time::OffsetDateTime) -> bool {
    lab.instance.is_none() && time::OffsetDateTime::from(lab.start_time) - now > PARKED_AFTER
}

/// Whether a lab never ends: no end time, or one parked far ahead (the import's 2199).
pub fn never_ends(lab: &LabOut, now: time::OffsetDateTime) -> bool {
    lab.end_time
        .is_none_or(|end| time::OffsetDateTime::from(end) - now > PARKED_AFTER)
}

/// The number of nodes a topology defines: the keys one level under `topology:` → `nodes:`,
/// counted without a YAML parser (as the app counts them), or `None` if it cannot tell.
pub fn topology_node_count(definition: &str) -> Option<usize> {
    fn indent(line: &str) -> usize {
        line.len() - line.trim_start().len()
    }
    /// The text of a line without its comment, trimmed.
    fn bare(line: &str) -> &str {
        line.split(" #").next().unwrap_or(line).trim()
    }
    let lines: Vec<&str> = definition.lines().collect();
    let mut topology = None;
    for (i, line) in lines.iter().enumerate() {
        if bare(line) == "topology:" {
            topology = Some(indent(line));
            continue;
        }
        let Some(topology) = topology else { continue };
        if indent(line) <= topology || line.trim().is_empty() {
            continue;
        }
        let text = bare(line).replace(' ', "");
        if text == "nodes:{}" {
            return Some(0);
        }
        if text != "nodes:" {
            continue;
        }
        let nodes = indent(line);
        let mut child = None;
        let mut count = 0;
        for line in lines.iter().skip(i + 1) {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let depth = indent(line);
            if depth <= nodes {
                break;
            }
            let child = *child.get_or_insert(depth);
            if depth == child
                && trimmed
                    .split_once(':')
                    .is_some_and(|(key, _)| !key.trim().is_empty())
            {
                count += 1;
            }
        }
        return Some(count);
    }
    None
}

impl ImportStart {
    /// The start time to send.
    pub fn time(self) -> Timestamp {
        match self {
            ImportStart::Unscheduled => UNSCHEDULED_START.into(),
            ImportStart::DeployNow => {
                (time::OffsetDateTime::now_utc() + time::Duration::minutes(1)).into()
            }
            ImportStart::At(start) => start,
        }
    }
}

/// When an imported lab ends (the server destroys it then).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportEnd {
    /// Never: on one's own machine a lab runs until the user destroys it.
    Never,
    /// So many hours after its start.
    After {
        /// Hours.
        hours: u32,
    },
}

impl ImportEnd {
    /// The end time of a lab starting at `start`.
    pub fn time(self, start: Timestamp) -> Timestamp {
        match self {
            ImportEnd::Never => NEVER_ENDS.into(),
            ImportEnd::After { hours } => {
                (time::OffsetDateTime::from(start) + time::Duration::hours(i64::from(hours))).into()
            }
        }
    }
}

/// What an import made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The lab's name.
    pub name: String,
    /// The topology.
    pub topology_id: String,
    /// The lab.
    pub lab_id: String,
}

/// An import made by [`import`], with the collection it went into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedLab {
    /// The topology and the lab.
    pub imported: Imported,
    /// The collection's name.
    pub collection: String,
}

/// Imports a topology file as a lab: into the collection named `collection` (by default
/// "local", or the server's only one; a missing one is created where the user may), starting
/// and ending as asked. A lab to deploy now is then deployed by the caller (a Deploy
/// command), and its outcome comes as events.
pub async fn import(
    rest: &RestClient,
    file: &TopologyFile,
    collection: Option<&str>,
    start: ImportStart,
    end: ImportEnd,
) -> Result<ImportedLab> {
    let (collection_id, collection) = rest.import_collection(collection).await?;
    let start = start.time();
    let imported = rest
        .import_named(
            &file.definition,
            &file.lab_name,
            &collection_id,
            start,
            end.time(start),
        )
        .await?;
    tracing::info!(lab = %imported.lab_id, name = %imported.name, file = %file.file_name, %collection, "imported a topology");
    Ok(ImportedLab {
        imported,
        collection,
    })
}

impl RestClient {
    /// The collection an imported topology goes into, as `(id, name)`: the one named
    /// `wanted`, or by default "local" (or the only collection there is). A missing one is
    /// created (which needs the right to; admins on Antimony servers).
    pub async fn import_collection(&self, wanted: Option<&str>) -> Result<(String, String)> {
        let collections = self.collections().await?;
        let name = wanted.unwrap_or(LOCAL_COLLECTION);
        if let Some(found) = collections.iter().find(|c| c.name == name) {
            return Ok((found.id.clone(), found.name.clone()));
        }
        if wanted.is_none()
            && let [only] = collections.as_slice()
        {
            return Ok((only.id.clone(), only.name.clone()));
        }
        let created = self
            .create_collection(&CollectionIn {
                name: name.to_owned(),
                public_write: false,
                public_deploy: false,
                allow_host_access: None,
            })
            .await;
        match created {
            Ok(id) => Ok((id, name.to_owned())),
            // Say which collections there are: one of them can be chosen instead.
            Err(Error::Api { status, body }) => {
                let names: Vec<&str> = collections.iter().map(|c| c.name.as_str()).collect();
                Err(Error::Api {
                    status,
                    body: ErrorBody {
                        code: body.code,
                        message: format!(
                            "there is no collection {name:?} and it cannot be created ({}); existing: {}",
                            body.message,
                            if names.is_empty() {
                                "none".to_owned()
                            } else {
                                names.join(", ")
                            }
                        ),
                    },
                })
            }
            Err(other) => Err(other),
        }
    }

    /// Creates a topology from a containerlab YAML file's text and a lab from it, in one call.
    /// The lab is named like the topology and runs from `start` to `end`.
    pub async fn import(
        &self,
        definition: &str,
        collection_id: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Imported> {
        let name = topology_name(definition).unwrap_or_else(|| "imported lab".to_owned());
        self.import_named(definition, &name, collection_id, start, end)
            .await
    }

    async fn import_named(
        &self,
        definition: &str,
        name: &str,
        collection_id: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Imported> {
        let topology_id = self
            .create_topology(&TopologyIn {
                definition: definition.to_owned(),
                sync_url: String::new(),
                collection_id: collection_id.to_owned(),
            })
            .await?;
        let lab_id = self
            .create_lab(&LabIn {
                name: name.to_owned(),
                start_time: start,
                end_time: end,
                topology_id: topology_id.clone(),
            })
            .await?;
        Ok(Imported {
            name: name.to_owned(),
            topology_id,
            lab_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_containerlab_files_are_topologies() {
        assert!(is_topology_file("spine-leaf.clab.yml"));
        assert!(is_topology_file("x.clab.yaml"));
        assert!(
            is_topology_file("Spine.CLAB.YAML"),
            "any case, as the desktop UI"
        );
        assert!(!is_topology_file("x.yml"));
        assert!(!is_topology_file("clab.yml"));
    }

    #[test]
    fn names_imported_labs_after_the_topology() {
        assert_eq!(
            topology_name("# lab\nname: spine-leaf\ntopology: {}\n").as_deref(),
            Some("spine-leaf")
        );
        assert_eq!(
            topology_name("name: \"quoted\"\n").as_deref(),
            Some("quoted")
        );
        assert_eq!(
            topology_name("name: bgp # the lab\n").as_deref(),
            Some("bgp")
        );
        assert_eq!(
            topology_name("name: \"my lab\"  # q\n").as_deref(),
            Some("my lab")
        );
        assert_eq!(topology_name("name: 'a#b'\n").as_deref(), Some("a#b"));
        assert_eq!(topology_name("name: a#b\n").as_deref(), Some("a#b"));
        assert_eq!(
            topology_name("topology:\n  name: nested\n"),
            None,
            "only the top level"
        );
    }

    #[test]
    fn a_file_is_checked_and_named_by_its_topology_or_its_file_name() {
        let file = TopologyFile::new("dir/Pair.CLAB.yml", "name: pair\n").unwrap();
        assert_eq!(file.lab_name, "pair");
        let unnamed = TopologyFile::new("/tmp/ring.clab.yaml", "topology: {}\n").unwrap();
        assert_eq!(unnamed.lab_name, "ring");
        assert_eq!(
            TopologyFile::new("ring.yaml", "name: x"),
            Err(FileProblem::NotATopology("ring.yaml".into()))
        );
        let big = "#".repeat(MAX_TOPOLOGY_BYTES + 1);
        assert_eq!(
            TopologyFile::new("big.clab.yml", big),
            Err(FileProblem::TooBig("big.clab.yml".into()))
        );
        assert!(TopologyFile::new("ok.clab.yml", "#".repeat(MAX_TOPOLOGY_BYTES)).is_ok());
    }

    #[test]
    fn unscheduled_and_endless_labs_use_the_placeholder_years() {
        assert_eq!(
            ImportStart::Unscheduled.time(),
            Timestamp::parse("2099-01-01T00:00:00Z").unwrap()
        );
        let start = Timestamp::parse("2026-01-01T00:00:00Z").unwrap();
        assert_eq!(
            ImportEnd::After { hours: 168 }.time(start),
            Timestamp::parse("2026-01-08T00:00:00Z").unwrap()
        );
        assert_eq!(
            ImportEnd::Never.time(start),
            Timestamp::parse("2199-01-01T00:00:00Z").unwrap()
        );
    }

    fn lab(start: &str, end: Option<&str>) -> LabOut {
        LabOut {
            id: "1".into(),
            name: "pair".into(),
            start_time: Timestamp::parse(start).unwrap(),
            end_time: end.map(|e| Timestamp::parse(e).unwrap()),
            topology_id: "t".into(),
            collection_id: "c".into(),
            creator: antimony_protocol::rest::UserOut {
                id: "u".into(),
                name: "admin".into(),
            },
            topology_definition: String::new(),
            instance: None,
            instance_name: None,
        }
    }

    #[test]
    fn parked_starts_and_ends_read_as_not_scheduled_and_no_end() {
        let now = time::macros::datetime!(2026-12-06 00:00 UTC);
        let parked = lab("2099-01-01T00:00:00Z", Some("2199-01-01T00:00:00Z"));
        assert!(not_scheduled(&parked, now));
        assert!(never_ends(&parked, now));
        let planned = lab("2027-01-01T09:00:00Z", Some("2027-01-01T17:00:00Z"));
        assert!(!not_scheduled(&planned, now));
        assert!(!never_ends(&planned, now));
        assert!(never_ends(&lab("2027-01-01T09:00:00Z", None), now));
        // A deployed lab is scheduled, whatever its start says.
        let mut deployed = parked.clone();
        deployed.instance = Some(antimony_protocol::rest::InstanceOut {
            name: String::new(),
            deployed: Timestamp::parse("2026-12-05T00:00:00Z").unwrap(),
            state: antimony_protocol::rest::InstanceState::Running,
            latest_state_change: Timestamp::parse("2026-12-05T00:00:00Z").unwrap(),
            nodes: None,
            recovered: false,
        });
        assert!(!not_scheduled(&deployed, now));
    }

    #[test]
    fn counts_a_topologys_nodes_without_a_yaml_parser() {
        let text = "name: x\ntopology:\n  kinds:\n    srl: {}\n  nodes:\n    a:\n      kind: srl\n    b: {kind: linux}\n\n    # c:\n    leaf-1: # a comment\n  links:\n    - endpoints: []\n";
        assert_eq!(topology_node_count(text), Some(3));
        assert_eq!(topology_node_count("name: x\n"), None);
        assert_eq!(topology_node_count("topology:\n  nodes: {}\n"), Some(0));
        assert_eq!(
            topology_node_count("topology: # c\n  nodes:\n    a:\n"),
            Some(1)
        );
    }
}
