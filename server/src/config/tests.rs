use super::*;

fn load(yaml: &str, env: &[(&str, &str)]) -> Result<Config> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.yml");
    std::fs::write(&path, yaml).unwrap();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Config::load(Some(&path), &Overrides::default(), |key| {
        env.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    })
}

#[test]
fn reads_the_go_servers_keys_and_both_filesystem_spellings() {
    let config = load(
        "server:\n  host: 0.0.0.0\n  port: 8080\nauth:\n  enableNative: true\n  enableOpenId: false\n\
         shell:\n  userLimit: 3\n  timeout: 60\ndatabase:\n  localFile: ./x.db\n\
         filesystem:\n  storage: ./s\n  run: ./r\ncapture:\n  enabled: false\n\
         streaming:\n  clabLogBacklog: 50\ncontainerlab:\n  kindsConfig: /etc/k.yml\n  binary: /opt/clab\n",
        &[("SB_NATIVE_USERNAME", "admin"), ("SB_NATIVE_PASSWORD", "pw")],
    )
    .unwrap();
    assert_eq!(config.bind, "0.0.0.0:8080".parse().unwrap());
    assert_eq!(config.shell.user_limit, 3);
    assert_eq!(config.shell.timeout, Duration::from_secs(60));
    assert_eq!(config.database_file, PathBuf::from("./x.db"));
    assert_eq!(config.storage_dir, PathBuf::from("./s"));
    assert_eq!(config.run_dir, PathBuf::from("./r"));
    assert_eq!(config.lab_log_backlog, 50);
    assert_eq!(config.node_log_backlog, crate::logs::DEFAULT_BACKLOG);
    assert_eq!(config.kinds_config, PathBuf::from("/etc/k.yml"));
    assert_eq!(config.containerlab_binary, PathBuf::from("/opt/clab"));
    assert!(!config.auth.allow_empty());
    assert!(
        !format!("{config:?}").contains("pw"),
        "the password must not be logged"
    );

    let camel = load("fileSystem:\n  storage: /srv/storage\n", &[]).unwrap();
    assert_eq!(camel.storage_dir, PathBuf::from("/srv/storage"));
    assert!(camel.auth.allow_empty(), "empty env means auto login");
}

#[test]
fn defaults_put_everything_under_the_data_dir() {
    let config = Config::load(
        None,
        &Overrides {
            data_dir: Some("/tmp/d".into()),
            ..Overrides::default()
        },
        |_| None,
    )
    .unwrap();
    assert_eq!(config.bind, DEFAULT_BIND);
    assert_eq!(config.database_file, PathBuf::from("/tmp/d/antimony.db"));
    assert_eq!(config.storage_dir, PathBuf::from("/tmp/d/storage"));
    assert_eq!(config.run_dir, PathBuf::from("/tmp/d/run"));
}

#[test]
fn openid_needs_its_issuer_client_redirect_and_secret() {
    let full = "auth:\n  enableOpenId: true\n  openIdIssuer: https://id.example.org/realms/lab/\n  \
                openIdClientId: antimony\n  openIdRedirectHost: https://lab.example.org/api\n  \
                openIdAdminGroups: [admins, ops]\n";
    let config = load(full, &[("SB_OIDC_SECRET", "very-secret")]).unwrap();
    let open_id = config.auth.open_id.as_ref().unwrap();
    assert_eq!(open_id.issuer, "https://id.example.org/realms/lab");
    assert_eq!(open_id.client_id, "antimony");
    assert_eq!(open_id.redirect_host, "https://lab.example.org/api");
    assert_eq!(open_id.admin_groups, ["admins", "ops"]);
    assert_eq!(open_id.scopes, ["openid", "email", "profile"]);
    assert!(
        !format!("{config:?}").contains("very-secret"),
        "the secret is not logged"
    );

    let err = load(full, &[]).unwrap_err().to_string();
    assert!(err.contains("SB_OIDC_SECRET"), "{err}");
    let err = load(
        &full.replace("https://id.example.org/realms/lab/", "id.example.org"),
        &[("SB_OIDC_SECRET", "s")],
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("openIdIssuer"), "{err}");
    let err = load(
        &full.replace("openIdClientId: antimony", "openIdClientId: ''"),
        &[("SB_OIDC_SECRET", "s")],
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("openIdClientId"), "{err}");
    let off = load(
        "auth:\n  enableOpenId: false\n  openIdIssuer: nonsense\n",
        &[],
    )
    .unwrap();
    assert!(off.auth.open_id.is_none());
}

#[test]
fn bad_files_are_errors_naming_the_file() {
    let err = load("server: [", &[]).unwrap_err().to_string();
    assert!(err.contains("config.yml"), "{err}");
    let err = load("server:\n  host: not-an-ip\n", &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("not-an-ip"), "{err}");
    assert!(load("", &[]).is_ok(), "an empty file is all defaults");
}

#[test]
fn database_host_selects_postgres_with_the_go_servers_keys_and_defaults() {
    let config = load(
        "database:\n  host: db.example.org\n  port: 5433\n  database: labs\n  user: lab\n  \
         localFile: ./x.db\n",
        &[("SB_DATABASE_PASSWORD", "pg-secret")],
    )
    .unwrap();
    let postgres = config.postgres.as_ref().unwrap();
    assert_eq!(postgres.host, "db.example.org");
    assert_eq!(postgres.port, 5433);
    assert_eq!(postgres.database, "labs");
    assert_eq!(postgres.user, "lab");
    assert_eq!(postgres.password.as_deref(), Some("pg-secret"));
    assert_eq!(
        postgres.target(),
        "db.example.org:5433, database \"labs\" as user \"lab\""
    );
    assert!(
        !format!("{config:?}").contains("pg-secret"),
        "the password must not be logged"
    );

    let defaults = load("database:\n  host: ::1\n", &[]).unwrap();
    let postgres = defaults.postgres.unwrap();
    assert_eq!(
        (postgres.port, postgres.database.as_str()),
        (5432, "antimony")
    );
    assert_eq!(postgres.user, "antimony");
    assert_eq!(postgres.password, None);
    assert!(postgres.target().starts_with("[::1]:5432,"));

    for sqlite in ["", "database:\n  host: \"\"\n  localFile: ./y.db\n"] {
        assert_eq!(load(sqlite, &[]).unwrap().postgres, None, "{sqlite:?}");
    }
}

#[test]
fn hostile_database_keys_are_configuration_errors() {
    for (yaml, want) in [
        ("database:\n  host: h\n  port: 0\n", "database.port 0"),
        ("database:\n  host: \"a b\"\n", "database.host"),
        (
            "database:\n  host: h\n  user: \"x\\u0000y\"\n",
            "database.user",
        ),
    ] {
        let error = load(yaml, &[]).unwrap_err().to_string();
        assert!(error.contains(want), "{yaml:?}: {error}");
    }
    let error = load("database:\n  host: h\n  port: 70000\n", &[])
        .unwrap_err()
        .to_string();
    assert!(error.contains("port"), "{error}");
}
