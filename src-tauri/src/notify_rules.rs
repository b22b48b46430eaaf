//! Notification rules: what pops up, per severity, server and lab, and do-not-disturb. The
//! OS notifications here obey them; the webview reads the same rules for its toasts
//! (`features/notifications/rules.ts`, checked against the same cases:
//! `tests/fixtures/notification-rules.json`). Kept in `notifications.json` in the app's config
//! directory, as `reminders.json` is.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Mutex;

use antimony_protocol::Severity;

use crate::contract::{BridgeError, BridgeErrorKind, NotificationRules};

/// The settings file, in the app's config directory.
const RULES_FILE: &str = "notifications.json";
/// The most rules of servers kept.
pub(crate) const MAX_SERVER_RULES: usize = 256;
/// The most rules of labs kept.
pub(crate) const MAX_LAB_RULES: usize = 1024;
/// The longest name or id in a rule.
const MAX_TEXT: usize = 256;

/// What a notification is about.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Subject<'a> {
    /// The server's name.
    pub(crate) server: &'a str,
    /// The lab's id, when known.
    pub(crate) lab_id: Option<&'a str>,
    /// The lab's name, when known.
    pub(crate) lab_name: Option<&'a str>,
}

/// Whether a notification of `severity` about `subject` pops up: never under do-not-disturb;
/// else by the rule of its lab (by id, or by name where the id is not known), else of its
/// server, else the default.
pub(crate) fn allows(rules: &NotificationRules, subject: Subject<'_>, severity: Severity) -> bool {
    if rules.do_not_disturb {
        return false;
    }
    let lab = rules.labs.iter().find(|r| {
        r.server == subject.server
            && match subject.lab_id {
                Some(id) => r.lab_id == id,
                None => subject.lab_name.is_some_and(|name| r.lab_name == name),
            }
    });
    let min = match lab {
        Some(rule) => rule.min_severity,
        None => match rules.servers.iter().find(|r| r.server == subject.server) {
            Some(rule) => rule.min_severity,
            None => rules.min_severity,
        },
    };
    min.is_some_and(|min| severity >= min)
}

/// Whether rules can be kept: bounded counts and lengths, one rule per server and per lab.
pub(crate) fn check(rules: &NotificationRules) -> Result<(), BridgeError> {
    let refuse = |message: String| Err(BridgeError::new(BridgeErrorKind::Io, message));
    if rules.servers.len() > MAX_SERVER_RULES || rules.labs.len() > MAX_LAB_RULES {
        return refuse(format!(
            "at most {MAX_SERVER_RULES} server rules and {MAX_LAB_RULES} lab rules are kept"
        ));
    }
    let too_long = |s: &str| s.is_empty() || s.chars().count() > MAX_TEXT;
    if rules.servers.iter().any(|r| too_long(&r.server))
        || rules.labs.iter().any(|r| {
            too_long(&r.server) || too_long(&r.lab_id) || r.lab_name.chars().count() > MAX_TEXT
        })
    {
        return refuse(format!(
            "a rule names a server or lab with no name or more than {MAX_TEXT} characters"
        ));
    }
    let mut servers = HashSet::new();
    let mut labs = HashSet::new();
    let unique = rules
        .servers
        .iter()
        .all(|r| servers.insert(r.server.as_str()))
        && rules
            .labs
            .iter()
            .all(|r| labs.insert((r.server.as_str(), r.lab_id.as_str())));
    if !unique {
        return refuse("two rules for the same server or lab".to_owned());
    }
    Ok(())
}

/// The rules, kept in a file, in managed state.
#[derive(Debug)]
pub(crate) struct Rules {
    path: Option<PathBuf>,
    rules: Mutex<NotificationRules>,
}

impl Rules {
    /// The rules kept at `path` (the defaults when missing or unreadable).
    pub(crate) fn load(path: Option<PathBuf>) -> Self {
        let rules = crate::settings_file::read::<NotificationRules>(path.as_deref())
            .filter(|r| check(r).is_ok())
            .unwrap_or_default();
        Rules {
            path,
            rules: Mutex::new(rules),
        }
    }

    /// Where the rules file is, in a config directory.
    pub(crate) fn file_in(dir: Option<PathBuf>) -> Option<PathBuf> {
        dir.map(|d| d.join(RULES_FILE))
    }

    /// The rules in force.
    pub(crate) fn rules(&self) -> NotificationRules {
        self.rules
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Whether a notification pops up under the rules in force.
    pub(crate) fn allows(&self, subject: Subject<'_>, severity: Severity) -> bool {
        allows(
            &self
                .rules
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            subject,
            severity,
        )
    }

    /// Checks, keeps and applies new rules.
    pub(crate) fn set(&self, rules: NotificationRules) -> Result<(), BridgeError> {
        check(&rules)?;
        if let Some(path) = &self.path {
            crate::settings_file::write(path, &rules, "the rules")?;
        }
        *self
            .rules
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = rules;
        Ok(())
    }

    /// Drops the rules of a removed server and of its labs (a server added again later under
    /// the same name starts with none).
    pub(crate) fn forget_server(&self, server: &str) -> Result<(), BridgeError> {
        let mut rules = self.rules();
        let before = rules.servers.len() + rules.labs.len();
        rules.servers.retain(|r| r.server != server);
        rules.labs.retain(|r| r.server != server);
        if rules.servers.len() + rules.labs.len() == before {
            return Ok(());
        }
        self.set(rules)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{LabRule, ServerRule};

    /// The cases the webview's `rules.ts` is tested against too.
    const CASES: &str = include_str!("../../tests/fixtures/notification-rules.json");

    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Case {
        name: String,
        rules: NotificationRules,
        server: String,
        lab_id: Option<String>,
        lab_name: Option<String>,
        severity: Severity,
        shown: bool,
    }

    #[test]
    fn decides_the_shared_cases() {
        let cases: Vec<Case> = serde_json::from_str(CASES).expect("the cases parse");
        assert!(cases.len() >= 10, "the cases are all there");
        for case in cases {
            let subject = Subject {
                server: &case.server,
                lab_id: case.lab_id.as_deref(),
                lab_name: case.lab_name.as_deref(),
            };
            assert_eq!(
                allows(&case.rules, subject, case.severity),
                case.shown,
                "{}",
                case.name
            );
        }
    }

    fn lab_rule(server: &str, id: &str, min: Option<Severity>) -> LabRule {
        LabRule {
            server: server.to_owned(),
            lab_id: id.to_owned(),
            lab_name: format!("name of {id}"),
            min_severity: min,
        }
    }

    #[test]
    fn a_muted_lab_of_one_server_leaves_the_same_id_on_another() {
        let rules = NotificationRules {
            labs: vec![lab_rule("team", "lab-1", None)],
            ..NotificationRules::default()
        };
        let on = |server| Subject {
            server,
            lab_id: Some("lab-1"),
            lab_name: None,
        };
        assert!(!allows(&rules, on("team"), Severity::Fatal));
        assert!(allows(&rules, on("This computer"), Severity::Success));
    }

    #[test]
    fn refuses_duplicates_and_empty_names() {
        let server = |name: &str| ServerRule {
            server: name.to_owned(),
            min_severity: None,
        };
        let twice = NotificationRules {
            servers: vec![server("team"), server("team")],
            ..NotificationRules::default()
        };
        assert!(check(&twice).is_err());
        let empty = NotificationRules {
            servers: vec![server("")],
            ..NotificationRules::default()
        };
        assert!(check(&empty).is_err());
        let labs = NotificationRules {
            labs: vec![
                lab_rule("a", "x", None),
                lab_rule("a", "x", Some(Severity::Error)),
            ],
            ..NotificationRules::default()
        };
        assert!(check(&labs).is_err());
        assert!(check(&NotificationRules::default()).is_ok());
    }

    #[test]
    fn a_removed_server_takes_its_rules_and_its_labs_rules_along() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = Rules::file_in(Some(dir.path().join("config")));
        let kept = Rules::load(path.clone());
        let server = |name: &str| ServerRule {
            server: name.to_owned(),
            min_severity: None,
        };
        kept.set(NotificationRules {
            servers: vec![server("team"), server("lab host")],
            labs: vec![
                lab_rule("team", "lab-1", None),
                lab_rule("lab host", "lab-1", None),
                lab_rule("team", "lab-2", Some(Severity::Error)),
            ],
            ..NotificationRules::default()
        })
        .expect("the rules are kept");
        kept.forget_server("team").expect("the rules are kept");
        for rules in [kept.rules(), Rules::load(path).rules()] {
            assert_eq!(rules.servers, vec![server("lab host")]);
            assert_eq!(rules.labs, vec![lab_rule("lab host", "lab-1", None)]);
        }
        // A server without rules changes nothing.
        kept.forget_server("elsewhere").expect("nothing to do");
        assert_eq!(kept.rules().servers.len(), 1);
    }

    #[test]
    fn rules_survive_a_restart_and_a_broken_file_gives_the_defaults() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = Rules::file_in(Some(dir.path().join("config")));
        let rules = NotificationRules {
            do_not_disturb: true,
            min_severity: Some(Severity::Warning),
            servers: vec![ServerRule {
                server: "team".to_owned(),
                min_severity: Some(Severity::Error),
            }],
            labs: vec![lab_rule("team", "lab-1", None)],
        };
        Rules::load(path.clone()).set(rules.clone()).expect("kept");
        assert_eq!(Rules::load(path.clone()).rules(), rules);
        let file = path.expect("a path");
        let text = std::fs::read_to_string(&file).expect("the file");
        assert!(text.contains("\"doNotDisturb\": true"), "{text}");
        std::fs::write(&file, "{ not json").expect("overwritten");
        assert_eq!(
            Rules::load(Some(file)).rules(),
            NotificationRules::default()
        );
    }

    #[test]
    fn a_rule_that_cannot_be_kept_changes_nothing() {
        let store = Rules::load(None);
        let bad = NotificationRules {
            servers: vec![
                ServerRule {
                    server: "x".to_owned(),
                    min_severity: None,
                };
                2
            ],
            ..NotificationRules::default()
        };
        assert!(store.set(bad).is_err());
        assert_eq!(store.rules(), NotificationRules::default());
        assert!(store.allows(
            Subject {
                server: "x",
                lab_id: None,
                lab_name: None
            },
            Severity::Success
        ));
    }
}
