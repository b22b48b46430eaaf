//! The database a test server uses: SQLite in the test's directory (the default), or a fresh
//! PostgreSQL database per test when `ANTIMONY_TEST_POSTGRES` names a server as a URL
//! (`postgresql://user:password@127.0.0.1:port/postgres`; scripts/test starts a throwaway
//! cluster and sets it). The database is created with a random name and dropped (forcibly,
//! whatever is still connected) when the test ends.

use std::time::Duration;

use antimony_server::Config;
use antimony_server::config::PostgresConfig;

/// The environment variable naming the PostgreSQL server the tests may use.
pub const VARIABLE: &str = "ANTIMONY_TEST_POSTGRES";

/// The PostgreSQL server's URL, when the tests run against PostgreSQL.
pub fn postgres_url() -> Option<String> {
    std::env::var(VARIABLE).ok().filter(|url| !url.is_empty())
}

/// The PostgreSQL server's URL for the tests that need one.
pub fn required_postgres_url() -> String {
    postgres_url()
        .unwrap_or_else(|| panic!("{VARIABLE} must name a PostgreSQL server for this test"))
}

/// A database made for one test, dropped with it.
pub struct TestDatabase {
    /// How the server under test reaches it (with the password).
    pub settings: PostgresConfig,
    admin: postgres::Config,
}

impl TestDatabase {
    /// A fresh database when the tests run against PostgreSQL.
    pub fn fresh() -> Option<Self> {
        postgres_url().map(|url| Self::create(&url))
    }

    /// A fresh database on the server at `url`.
    pub fn create(url: &str) -> Self {
        let mut admin: postgres::Config = url
            .parse()
            .unwrap_or_else(|e| panic!("{VARIABLE} is not a PostgreSQL URL: {e}"));
        admin.connect_timeout(Duration::from_secs(10));
        let name = format!("antimony_test_{}", uuid::Uuid::new_v4().simple());
        admin_sql(&admin, &format!("CREATE DATABASE {name}")).expect("creating a test database");
        let host = match admin.get_hosts().first() {
            Some(postgres::config::Host::Tcp(host)) => host.clone(),
            other => panic!("{VARIABLE} must name a TCP host, not {other:?}"),
        };
        let settings = PostgresConfig {
            host,
            port: admin.get_ports().first().copied().unwrap_or(5432),
            database: name,
            user: admin.get_user().expect("a user in the URL").to_owned(),
            password: admin
                .get_password()
                .map(|p| String::from_utf8(p.to_vec()).expect("a UTF-8 password")),
        };
        TestDatabase { settings, admin }
    }

    /// Points a configuration at this database.
    pub fn configure(&self, config: &mut Config) {
        config.postgres = Some(self.settings.clone());
    }

    /// Runs statements in this database (as the URL's user).
    pub fn execute(&self, sql: &str) -> Result<(), String> {
        let mut config = self.admin.clone();
        config.dbname(&self.settings.database);
        admin_sql(&config, sql)
    }

    /// The first column of the first row of a query in this database, as text.
    pub fn query_text(&self, sql: &str) -> Option<String> {
        let mut config = self.admin.clone();
        config.dbname(&self.settings.database);
        let sql = sql.to_owned();
        on_a_thread(move || {
            let mut client = config.connect(postgres::NoTls)?;
            let rows = client.simple_query(&sql)?;
            Ok(rows.into_iter().find_map(|message| match message {
                postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
                _ => None,
            }))
        })
        .expect("querying the test database")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let drop = format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.settings.database
        );
        // Not a test failure: the whole cluster is thrown away after the run anyway.
        #[allow(clippy::print_stderr)]
        if let Err(error) = admin_sql(&self.admin, &drop) {
            eprintln!("could not drop {}: {error}", self.settings.database);
        }
    }
}

/// Runs statements through a connection of its own.
fn admin_sql(config: &postgres::Config, sql: &str) -> Result<(), String> {
    let (config, sql) = (config.clone(), sql.to_owned());
    on_a_thread(move || config.connect(postgres::NoTls)?.batch_execute(&sql))
}

/// The synchronous client runs its own runtime, which must not start inside the test's.
fn on_a_thread<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, postgres::Error> + Send + 'static,
) -> Result<T, String> {
    std::thread::spawn(f)
        .join()
        .map_err(|_| "the PostgreSQL thread panicked".to_owned())?
        .map_err(|e| e.to_string())
}
