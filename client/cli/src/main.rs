//! `antimony`: the Antimony client engine from a terminal — servers and logins, labs, lab
//! commands, log streams, live status and interactive shells.
//!
//! Exit codes: 0 success, 1 a local problem (profiles, keychain, files), 2 bad usage,
//! 3 a login is needed or was refused, 4 the server refused the request (its code and
//! message are printed), 5 the server cannot be reached or its certificate is not trusted.

// A command line prints: that is its job.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod context;
mod labs;
mod output;
mod schedule;
mod servers;
mod sharing;
mod shell;
mod streams;
mod topologies;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::output::Failure;

/// Antimony from the command line: containerlab labs on Antimony servers.
#[derive(Debug, Parser)]
#[command(name = "antimony", version, about, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// The server: a profile name, or an origin URL (default: the current profile).
    #[arg(long, short = 's', global = true, env = "ANTIMONY_SERVER")]
    server: Option<String>,
    /// The REST base, when --server is a URL whose REST is not at <origin>/api.
    #[arg(long, global = true, env = "ANTIMONY_API", value_name = "URL")]
    api: Option<String>,
    /// The user to log in as.
    #[arg(long, short = 'u', global = true, env = "ANTIMONY_USER")]
    user: Option<String>,
    /// Read the password from the first line of standard input. With a password (and
    /// --user), commands log in by themselves and use no keychain. The environment variable
    /// ANTIMONY_PASSWORD works too; a password is never taken on the command line, where
    /// other users of the machine could see it.
    #[arg(long, global = true)]
    password_stdin: bool,
    /// The password: from ANTIMONY_PASSWORD or --password-stdin only.
    #[arg(skip)]
    password: Option<String>,
    /// Machine-readable output: JSON (one object per line for streams).
    #[arg(long, global = true)]
    json: bool,
    /// The profiles file (default: servers.toml in the user's config directory).
    #[arg(
        long,
        global = true,
        env = "ANTIMONY_CONFIG",
        value_name = "FILE",
        hide = true
    )]
    config: Option<PathBuf>,
    /// The keychain service name (tests use their own).
    #[arg(
        long,
        global = true,
        env = "ANTIMONY_KEYCHAIN_SERVICE",
        hide = true,
        default_value = antimony_client::keychain::SERVICE
    )]
    keychain_service: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Add, list, remove and choose servers.
    #[command(subcommand)]
    Server(servers::ServerCommand),
    /// Log in to a server and keep the login in the OS keychain.
    Login(servers::LoginArgs),
    /// Log out: forget the server's tokens and password.
    Logout,
    /// List labs.
    Labs(labs::LabsArgs),
    /// Show one lab and its nodes (antimony lab <lab>), or change when it runs.
    Lab(schedule::LabArgs),
    /// Deploy a lab (or redeploy it), showing its log until containerlab finishes.
    Deploy(labs::DeployArgs),
    /// Destroy a lab's instance.
    Destroy(labs::DeployArgs),
    /// Start, stop or restart a node.
    #[command(subcommand)]
    Node(labs::NodeCommand),
    /// Print a lab's log, or one node's.
    Logs(streams::LogsArgs),
    /// Show status messages and lab updates as they happen.
    Watch,
    /// Create a topology and a lab from a containerlab file.
    Import(labs::ImportArgs),
    /// List topologies: their collection, nodes and bind files.
    Topologies,
    /// Open an interactive shell on a node (or attach to one, or close one). Enter ~ .
    /// detaches, leaving the shell running.
    Shell(shell::ShellArgs),
    /// List your open shells in a lab.
    Shells(shell::ShellsArgs),
}

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    match read_password(&cli.global) {
        Ok(password) => cli.global.password = password,
        Err(failure) => {
            failure.print(cli.global.json);
            return ExitCode::from(failure.exit_code());
        }
    }
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            antimony_client::QUIET_LOGGERS.iter().fold(
                tracing_subscriber::EnvFilter::try_from_env("ANTIMONY_LOG")
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
                |filter, directive| match directive.parse() {
                    Ok(directive) => filter.add_directive(directive),
                    Err(_) => filter,
                },
            ),
        )
        .init();
    // One thread: a command waits on one thing at a time (a request, a stream, a shell), and
    // following a log on one thread costs half the CPU per line of two workers handing every
    // packet across threads (bench/client-ingest). Standard input is read on its own thread
    // (`shell`), and nothing here blocks inside the runtime for longer than a keychain call.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    let json = cli.global.json;
    let result = runtime.block_on(run(cli));
    // Socket.IO tasks may still be winding down: do not wait for them.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            failure.print(json);
            ExitCode::from(failure.exit_code())
        }
    }
}

/// The password of this run: the first line of standard input with --password-stdin, else
/// ANTIMONY_PASSWORD.
fn read_password(global: &Global) -> Result<Option<String>, Failure> {
    if global.password_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map_err(|e| {
            Failure::local(format!("reading the password from standard input: {e}"))
        })?;
        let password = line.trim_end_matches(['\n', '\r']).to_owned();
        if password.is_empty() {
            return Err(Failure::usage(
                "--password-stdin: standard input had no password",
            ));
        }
        return Ok(Some(password));
    }
    Ok(std::env::var("ANTIMONY_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty()))
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let global = cli.global;
    match cli.command {
        Command::Server(command) => servers::run(&global, command).await,
        Command::Login(args) => servers::login(&global, args).await,
        Command::Logout => servers::logout(&global).await,
        Command::Labs(args) => labs::list(&global, args).await,
        Command::Lab(args) => schedule::run(&global, args).await,
        Command::Deploy(args) => labs::deploy(&global, args, true).await,
        Command::Destroy(args) => labs::deploy(&global, args, false).await,
        Command::Node(command) => labs::node(&global, command).await,
        Command::Logs(args) => streams::logs(&global, args).await,
        Command::Watch => streams::watch(&global).await,
        Command::Import(args) => labs::import(&global, args).await,
        Command::Topologies => topologies::list(&global).await,
        Command::Shell(args) => shell::run(&global, args).await,
        Command::Shells(args) => shell::list(&global, args).await,
    }
}
