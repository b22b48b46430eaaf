//! `antimony server export` / `import`: a team's servers handed out as a file.

use crate::harness::{antimony, run, stack};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_go_from_one_computer_to_another_through_a_file() {
    let stack = stack().await;
    run(stack.bare(), &["server", "add", "team", &stack.origin])
        .await
        .ok();
    run(
        stack.bare(),
        &["server", "add", "down", "http://127.0.0.1:9"],
    )
    .await
    .ok();
    let file = stack.dir.path().join("servers.json");
    let file_arg = file.to_str().unwrap();
    run(
        stack.bare(),
        &["server", "export", "--out", file_arg, "team"],
    )
    .await
    .ok();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("\"team\"") && !text.contains("\"down\""),
        "{text}"
    );
    let missing = run(stack.bare(), &["server", "export", "nope"]).await;
    assert!(missing.fails(2).contains("no server named \"nope\""));

    // Another computer: its own profiles, one name taken already.
    let other = tempfile::tempdir().unwrap();
    run(
        antimony(other.path()),
        &["server", "add", "team", "http://127.0.0.1:9"],
    )
    .await
    .ok();
    let mut all = run(stack.bare(), &["server", "export"])
        .await
        .ok()
        .to_owned();
    all = all.replace("\"down\"", "\"spare\"");
    let json_file = other.path().join("all.json");
    std::fs::write(&json_file, &all).unwrap();
    let imported = run(
        antimony(other.path()),
        &["server", "import", json_file.to_str().unwrap()],
    )
    .await;
    let out = imported.ok();
    assert!(out.contains("Added server spare."), "{out}");
    assert!(
        out.contains("Skipped \"team\": a server of this name exists already."),
        "{out}"
    );
    let listed = run(antimony(other.path()), &["server", "list", "--json"]).await;
    let listed: serde_json::Value = serde_json::from_str(listed.ok()).unwrap();
    let names: Vec<&str> = listed["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["team", "spare"]);

    std::fs::write(&json_file, "{\"servers\": []}").unwrap();
    let refused = run(
        antimony(other.path()),
        &["server", "import", json_file.to_str().unwrap()],
    )
    .await;
    assert!(
        refused.fails(1).contains("not a file of Antimony servers"),
        "{refused:?}"
    );
}
