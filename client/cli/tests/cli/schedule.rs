//! `antimony lab extend`, `antimony lab reschedule` and `antimony topologies`, against
//! antimony-server and (for the refusal on a deployed lab) the reference server.

use std::future::Future;
use std::time::Duration;

use antimony_client::profile::ServerProfile;
use antimony_client::rest::RestClient;
use antimony_fakes::ReferenceServer;
use antimony_protocol::Timestamp;
use antimony_protocol::rest::{BindFileIn, LabInPartial, LabOut};

use crate::harness::{antimony, run, stack};

/// `future`, or a panic naming `what` after 20 s.
async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), future)
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within 20 s"))
}

async fn lab_of(rest: &RestClient, id: &str) -> LabOut {
    within("lab", rest.lab(id)).await.unwrap()
}

fn end_of(lab: &LabOut) -> Option<i64> {
    lab.end_time.map(|t| t.unix_timestamp())
}

fn at(text: &str) -> i64 {
    Timestamp::parse(text).unwrap().unix_timestamp()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_reschedule_and_extend_change_the_times() {
    let stack = stack().await;
    let id = within("import", stack.lab("pair")).await;
    let rest = within("login", stack.rest()).await;

    let moved = run(
        stack.cli(),
        &[
            "lab",
            "reschedule",
            "pair",
            "--start",
            "2030-03-01T08:00:00Z",
            "--end",
            "2030-03-01T10:00:00Z",
        ],
    )
    .await;
    assert_eq!(
        moved.ok().trim(),
        "Lab pair starts 2030-03-01 08:00 UTC and ends 2030-03-01 10:00 UTC."
    );
    let lab = lab_of(&rest, &id).await;
    assert_eq!(lab.start_time.unix_timestamp(), at("2030-03-01T08:00:00Z"));
    assert_eq!(end_of(&lab), Some(at("2030-03-01T10:00:00Z")));

    let extended = run(
        stack.cli(),
        &["lab", "extend", "pair", "--by", "1h30m", "--json"],
    )
    .await;
    let out: serde_json::Value = serde_json::from_str(extended.ok().trim()).unwrap();
    assert_eq!(out["id"], id.as_str());
    let lab = lab_of(&rest, &id).await;
    assert_eq!(end_of(&lab), Some(at("2030-03-01T11:30:00Z")));
    assert_eq!(
        Timestamp::parse(out["endTime"].as_str().unwrap())
            .unwrap()
            .unix_timestamp(),
        at("2030-03-01T11:30:00Z")
    );
    run(stack.cli(), &["lab", "extend", &id]).await.ok();
    let lab = lab_of(&rest, &id).await;
    assert_eq!(
        end_of(&lab),
        Some(at("2030-03-01T12:30:00Z")),
        "1h by default"
    );

    // Bad times are refused before anything is sent.
    let backwards = run(
        stack.cli(),
        &["lab", "reschedule", "pair", "--end", "2030-03-01T07:00:00Z"],
    )
    .await;
    assert!(backwards.fails(2).contains("must be after the start"));
    run(stack.cli(), &["lab", "extend", "pair", "--by", "1x"])
        .await
        .fails(2);
    run(stack.cli(), &["lab", "reschedule", "pair"])
        .await
        .fails(2);
    let lab = lab_of(&rest, &id).await;
    assert_eq!(end_of(&lab), Some(at("2030-03-01T12:30:00Z")), "unchanged");

    let forever = run(stack.cli(), &["lab", "reschedule", "pair", "--indefinite"]).await;
    assert_eq!(
        forever.ok().trim(),
        "Lab pair starts 2030-03-01 08:00 UTC and has no end."
    );
    assert_eq!(end_of(&lab_of(&rest, &id).await), None);
    let nothing = run(stack.cli(), &["lab", "extend", "pair"]).await;
    assert!(nothing.fails(2).contains("has no end"));
    assert!(
        run(stack.cli(), &["lab", "pair"]).await.ok().contains(&id),
        "`antimony lab <lab>` still shows it"
    );
    run(stack.cli(), &["lab", "extend", "no-such-lab"])
        .await
        .fails(4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployed_lab_is_extended_on_antimony_server() {
    let stack = stack().await;
    let id = within("import", stack.lab("pair")).await;
    let rest = within("login", stack.rest()).await;
    // Planned times (the import's 2099 start and end are "parked": no end to extend).
    let planned = LabInPartial {
        start_time: Some(Timestamp::parse("2029-12-31T00:00:00Z").unwrap()),
        end_time: Some(Timestamp::parse("2030-01-01T00:00:00Z").unwrap()),
        ..LabInPartial::default()
    };
    within("update_lab", rest.update_lab(&id, &planned))
        .await
        .unwrap();
    run(stack.cli(), &["deploy", "-q", "pair"]).await.ok();
    let before = end_of(&lab_of(&rest, &id).await).unwrap();
    assert_eq!(before, at("2030-01-01T00:00:00Z"));
    run(stack.cli(), &["lab", "extend", "pair", "--by", "2h"])
        .await
        .ok();
    let lab = lab_of(&rest, &id).await;
    assert_eq!(end_of(&lab), Some(before + 2 * 3600));
    assert!(lab.instance.is_some(), "still deployed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_go_server_is_not_asked_to_extend_a_deployed_lab() {
    let dir = tempfile::tempdir().unwrap();
    let server = ReferenceServer::start(&dir.path().join("state.json"), 0).unwrap();
    let origin = server.origin();
    let profile = ServerProfile::new("go", &origin)
        .unwrap()
        .with_rest_base(&origin)
        .unwrap();
    let rest = RestClient::new(profile).unwrap();
    within("login", rest.login_native("admin", "admin"))
        .await
        .unwrap();
    let collections = within("collections", rest.collections()).await.unwrap();
    let fixtures = &collections
        .iter()
        .find(|c| c.name == "fixtures")
        .unwrap()
        .id;
    // A start in the past: the reference server deploys it at once.
    let start = Timestamp::parse("2020-01-01T00:00:00Z").unwrap();
    let end = Timestamp::parse("2030-01-01T00:00:00Z").unwrap();
    let definition = "name: go-pair\ntopology:\n  nodes:\n    a:\n      kind: linux\n";
    let id = within("import", rest.import(definition, fixtures, start, end))
        .await
        .unwrap()
        .lab_id;
    within("the deployment", async {
        while lab_of(&rest, &id).await.instance.is_none() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;

    let mut cli = antimony(dir.path());
    cli.env("ANTIMONY_SERVER", &origin)
        .env("ANTIMONY_API", &origin)
        .env("ANTIMONY_USER", "admin")
        .env("ANTIMONY_PASSWORD", "admin");
    let refused = run(cli, &["lab", "extend", "go-pair"]).await;
    assert!(
        refused.fails(4).contains("not supported by this server"),
        "{refused:?}"
    );
    // Nothing was sent: the Go server's lab routes still answer (a PATCH would wedge them).
    let labs = tokio::time::timeout(
        Duration::from_secs(3),
        rest.labs(&antimony_protocol::rest::LabsQuery::default()),
    )
    .await
    .expect("GET /labs answers")
    .unwrap();
    assert_eq!(end_of(&labs.labs[0]), Some(end.unix_timestamp()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topologies_lists_collection_nodes_and_bind_files() {
    let stack = stack().await;
    let empty = run(stack.cli(), &["topologies"]).await;
    assert_eq!(empty.ok().trim(), "No topologies.");
    within("import", stack.lab("pair")).await;
    let rest = within("login", stack.rest()).await;
    let topology = within("topologies", rest.topologies()).await.unwrap()[0]
        .id
        .clone();
    let file = BindFileIn {
        file_path: "configs/a.cfg".into(),
        content: "hostname a\n".into(),
    };
    within("bind file", rest.create_bind_file(&topology, &file))
        .await
        .unwrap();

    let listed = run(stack.cli(), &["topologies"]).await;
    let text = listed.ok();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    let header: Vec<&str> = lines[0].split("  ").filter(|c| !c.is_empty()).collect();
    let header: Vec<&str> = header.iter().map(|c| c.trim()).collect();
    assert_eq!(header, ["NAME", "COLLECTION", "NODES", "BIND FILES", "ID"]);
    let row: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(row, ["pair", "netlab", "2", "1", topology.as_str()]);

    let json = run(stack.cli(), &["topologies", "--json"]).await;
    let out: serde_json::Value = serde_json::from_str(json.ok().trim()).unwrap();
    assert_eq!(out[0]["bindFiles"][0]["filePath"], "configs/a.cfg");
}
