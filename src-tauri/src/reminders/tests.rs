use std::collections::HashSet;
use std::time::Duration;

use antimony_protocol::AccessClaims;
use antimony_protocol::rest::LabOut;
use time::OffsetDateTime;
use time::macros::datetime;

use super::*;

const NOW: OffsetDateTime = datetime!(2026-06-13 14:00 UTC);

/// A lab made by `creator`; `state` is its instance's (none: not deployed), `end` in RFC 3339
/// or none.
fn lab(id: &str, creator: &str, state: Option<i8>, end: Option<&str>) -> LabOut {
    let mut json = serde_json::json!({
        "id": id,
        "name": format!("lab {id}"),
        "startTime": "2026-06-13T09:00:00Z",
        "endTime": end,
        "topologyId": "t1",
        "collectionId": "c1",
        "creator": {"id": creator, "name": creator},
        "topologyDefinition": "name: x\n",
    });
    if let Some(state) = state {
        json["instance"] = serde_json::json!({
            "name": "",
            "deployed": "2026-06-13T09:00:00Z",
            "state": state,
            "latestStateChange": "2026-06-13T09:01:00Z",
            "nodes": null,
            "recovered": false,
        });
    }
    serde_json::from_value(json).expect("a lab")
}

fn me(id: &str, admin: bool) -> AccessClaims {
    AccessClaims {
        id: id.to_owned(),
        is_admin: admin,
        nbf: 0,
        exp: i64::MAX,
    }
}

const RUNNING: Option<i8> = Some(1);

fn settings(minutes: u32) -> ReminderSettings {
    ReminderSettings {
        enabled: true,
        lead_minutes: minutes,
    }
}

fn ids(due: &[&Ending]) -> Vec<String> {
    due.iter().map(|e| e.lab_id.clone()).collect()
}

#[test]
fn only_deployed_labs_with_a_real_end_ahead_are_reminded_of() {
    let labs = [
        lab("running", "alice", RUNNING, Some("2026-06-13T14:10:00Z")),
        lab("deploying", "alice", Some(0), Some("2026-06-13T14:10:00Z")),
        lab("not-deployed", "alice", None, Some("2026-06-13T14:10:00Z")),
        lab("failed", "alice", Some(3), Some("2026-06-13T14:10:00Z")),
        lab("stopping", "alice", Some(2), Some("2026-06-13T14:10:00Z")),
        lab("indefinite", "alice", RUNNING, None),
        lab(
            "placeholder",
            "alice",
            RUNNING,
            Some("2199-01-01T00:00:00Z"),
        ),
        lab("ended", "alice", RUNNING, Some("2026-06-13T13:59:59Z")),
    ];
    let found = endings("s", &labs, Some(&me("alice", false)), true, NOW);
    let found: Vec<&str> = found.iter().map(|e| e.lab_id.as_str()).collect();
    assert_eq!(found, ["running", "deploying"]);
}

#[test]
fn a_lab_is_due_within_the_lead_time_and_once_per_end_time() {
    let labs = [
        lab("in-10", "alice", RUNNING, Some("2026-06-13T14:10:00Z")),
        lab("in-15", "alice", RUNNING, Some("2026-06-13T14:15:00Z")),
        lab("in-16", "alice", RUNNING, Some("2026-06-13T14:16:00Z")),
    ];
    let known = endings("s", &labs, Some(&me("alice", false)), true, NOW);
    let mut reminded = HashSet::new();
    let first = due(&known, settings(15), NOW, &reminded);
    assert_eq!(ids(&first), ["in-10", "in-15"]);
    for e in &first {
        reminded.insert(e.key());
    }
    // Not again for the same end times.
    assert!(due(&known, settings(15), NOW, &reminded).is_empty());
    // The third comes a minute later.
    let later = NOW + time::Duration::minutes(1);
    assert_eq!(ids(&due(&known, settings(15), later, &reminded)), ["in-16"]);

    // Extended by an hour, the lab is a new end time: due again once it comes near.
    let extended = [lab("in-10", "alice", RUNNING, Some("2026-06-13T15:10:00Z"))];
    let known = endings("s", &extended, Some(&me("alice", false)), true, NOW);
    assert!(due(&known, settings(15), NOW, &reminded).is_empty());
    let near = datetime!(2026-06-13 14:56 UTC);
    assert_eq!(ids(&due(&known, settings(15), near, &reminded)), ["in-10"]);
}

#[test]
fn the_same_lab_id_on_two_servers_is_two_reminders() {
    let labs = [lab("l1", "alice", RUNNING, Some("2026-06-13T14:05:00Z"))];
    let mut known = endings("a", &labs, None, true, NOW);
    known.extend(endings("b", &labs, None, true, NOW));
    let mut reminded = HashSet::new();
    let first = due(&known, settings(15), NOW, &reminded);
    assert_eq!(first.len(), 2);
    reminded.insert(first[0].key());
    let rest = due(&known, settings(15), NOW, &reminded);
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].server, "b");
}

#[test]
fn the_lead_time_decides_and_off_means_never() {
    let labs = [lab("in-40", "alice", RUNNING, Some("2026-06-13T14:40:00Z"))];
    let known = endings("s", &labs, None, true, NOW);
    let none = HashSet::new();
    assert!(due(&known, settings(15), NOW, &none).is_empty());
    // A longer lead time chosen later makes it due at once.
    assert_eq!(ids(&due(&known, settings(60), NOW, &none)), ["in-40"]);
    let off = ReminderSettings {
        enabled: false,
        lead_minutes: 60,
    };
    assert!(due(&known, off, NOW, &none).is_empty());
}

#[test]
fn the_loop_sleeps_until_the_next_lab_enters_its_lead_time() {
    let labs = [
        lab("in-10", "alice", RUNNING, Some("2026-06-13T14:10:00Z")),
        lab("in-45", "alice", RUNNING, Some("2026-06-13T14:45:00Z")),
        lab("in-90", "alice", RUNNING, Some("2026-06-13T15:30:00Z")),
    ];
    let known = endings("s", &labs, None, true, NOW);
    let hour = Duration::from_secs(3600);
    // 14:45 - 15 min = 14:30: in 30 minutes (the lab already due does not count).
    assert_eq!(
        next_check(&known, settings(15), NOW, hour),
        Duration::from_secs(30 * 60)
    );
    // Never longer than asked (the labs are read again by then).
    assert_eq!(
        next_check(&known, settings(15), NOW, Duration::from_secs(60)),
        Duration::from_secs(60)
    );
    // Nothing ahead: the longest.
    assert_eq!(next_check(&[], settings(15), NOW, hour), hour);
    let off = ReminderSettings {
        enabled: false,
        lead_minutes: 15,
    };
    assert_eq!(next_check(&known, off, NOW, hour), hour);
    // At least a second, so the loop never spins.
    assert_eq!(
        next_check(&known, settings(15), NOW, Duration::ZERO),
        Duration::from_secs(1)
    );
}

#[test]
fn only_the_creator_or_an_admin_on_antimony_server_may_extend() {
    let running = lab("l", "alice", RUNNING, Some("2026-06-13T14:10:00Z"));
    assert_eq!(
        cannot_extend(&running, Some(&me("alice", false)), true),
        None
    );
    assert_eq!(cannot_extend(&running, Some(&me("root", true)), true), None);
    assert!(
        cannot_extend(&running, Some(&me("bob", false)), true)
            .is_some_and(|why| why.contains("creator"))
    );
    assert!(cannot_extend(&running, None, true).is_some());
    // The Go server hangs on a change to a deployed lab: never offered there.
    assert!(
        cannot_extend(&running, Some(&me("alice", false)), false)
            .is_some_and(|why| why.contains("cannot change"))
    );
    let found = endings("s", &[running], Some(&me("bob", false)), true, NOW);
    assert!(found[0].cannot_extend.is_some());
}

#[test]
fn past_end_times_are_forgotten() {
    let mut reminded: HashSet<Reminded> = HashSet::new();
    reminded.insert(("s".into(), "old".into(), datetime!(2026-06-13 13:59 UTC)));
    reminded.insert(("s".into(), "new".into(), datetime!(2026-06-13 14:10 UTC)));
    forget_past(&mut reminded, NOW);
    let left: Vec<&str> = reminded.iter().map(|(_, id, _)| id.as_str()).collect();
    assert_eq!(left, ["new"]);
}

#[test]
fn the_text_says_how_long_is_left_and_why_it_cannot_be_extended() {
    let ending = Ending {
        server: "lab".into(),
        lab_id: "l".into(),
        name: "pair".into(),
        end: datetime!(2026-06-13 14:15 UTC),
        cannot_extend: None,
    };
    let (title, body) = reminder_text(&ending, NOW);
    assert_eq!(title, "pair ends in 15 minutes");
    assert!(body.starts_with("on lab"), "{body}");
    let (title, _) = reminder_text(&ending, datetime!(2026-06-13 14:14:30 UTC));
    assert_eq!(title, "pair ends in a minute");
    let (title, _) = reminder_text(&ending, datetime!(2026-06-13 14:00:01 UTC));
    assert_eq!(title, "pair ends in 15 minutes", "rounded up");
    let (title, _) = reminder_text(&ending, datetime!(2026-06-13 11:15 UTC));
    assert_eq!(title, "pair ends in 3 hours");
    let refused = Ending {
        cannot_extend: Some("This server cannot change a running lab."),
        ..ending
    };
    assert!(
        reminder_text(&refused, NOW)
            .1
            .ends_with("cannot change a running lab.")
    );
}

#[test]
fn the_extension_is_an_hour_after_the_end_it_had() {
    let change = extension(datetime!(2026-06-13 14:15 UTC));
    let json = serde_json::to_value(&change).expect("json");
    assert_eq!(json, serde_json::json!({"endTime": "2026-06-13T15:15:00Z"}));
}

#[test]
fn settings_are_kept_in_their_file_and_checked() {
    let dir = tempfile::tempdir().expect("a tempdir");
    let file = Reminders::file_in(Some(dir.path().join("config")));
    let reminders = Reminders::load(file.clone());
    assert_eq!(reminders.settings(), ReminderSettings::default());
    assert_eq!(reminders.settings().lead_minutes, 15);
    reminders.set(settings(30)).expect("30 minutes");
    assert_eq!(Reminders::load(file.clone()).settings(), settings(30));
    assert!(reminders.set(settings(0)).is_err());
    assert!(reminders.set(settings(MAX_LEAD_MINUTES + 1)).is_err());
    assert_eq!(
        reminders.settings(),
        settings(30),
        "a refused change changes nothing"
    );
    // A broken file means the defaults.
    std::fs::write(file.as_ref().expect("a path"), "{ nonsense").expect("written");
    assert_eq!(
        Reminders::load(file).settings(),
        ReminderSettings::default()
    );
}
