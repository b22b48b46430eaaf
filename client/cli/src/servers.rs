//! `antimony server …`, `login` and `logout`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use antimony_client::Error;
use antimony_client::account::{self, Reach};
use antimony_client::profile::{Profiles, ServerProfile};
use antimony_client::rest::RestClient;
use antimony_client::tls::{self, Trust};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::Global;
use crate::context::{keychain, login_failure, profile, profiles_path};
use crate::output::{Failure, print_json, print_table};

#[derive(Debug, Subcommand)]
pub(crate) enum ServerCommand {
    /// Add a server. An https server whose certificate is not signed by a trusted authority
    /// (e.g. the self-signed one of the official deployment) is pinned after you confirm its
    /// fingerprint.
    Add(AddArgs),
    /// List the servers; `*` marks the current one.
    List,
    /// Remove a server and forget its login.
    Remove {
        /// The server's name.
        name: String,
    },
    /// Make a server the current one.
    Use {
        /// The server's name.
        name: String,
    },
    /// Write servers to a file to hand out (names, addresses, pinned certificates; never a
    /// login, a password or a local path). JSON on standard output without --out.
    Export {
        /// The servers to write (all when none is named).
        names: Vec<String>,
        /// The file to write.
        #[arg(long, short, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Add the servers of a file written by `export` (or the app); `-` reads standard input.
    /// Servers whose name is taken, or whose entry is not valid, are skipped and named.
    Import {
        /// The file.
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
pub(crate) struct AddArgs {
    /// A name for it.
    name: String,
    /// Its origin, e.g. https://antimony.example.org (REST at <origin>/api).
    url: String,
    /// Trust certificates signed by this CA (a PEM file).
    #[arg(long, value_name = "PEM")]
    ca_file: Option<PathBuf>,
    /// Pin the server's certificate if its SHA-256 fingerprint is this (for scripts; people
    /// are asked).
    #[arg(long, value_name = "SHA256")]
    trust_fingerprint: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct LoginArgs {
    /// Also keep the password in the keychain, to log in again by itself when the server
    /// restarts (which ends every login).
    #[arg(long)]
    save_password: bool,
    /// For a server that logs in through OpenID Connect: such a server hands the login back
    /// only as cookies of its own origin in the browser that went through the provider, so
    /// the command line cannot receive it. Log in once from Antimony Desktop (it keeps the
    /// login in the OS keychain entries `antimony` reads); this then says whether that login
    /// is there and still good.
    #[arg(long, conflicts_with = "save_password")]
    openid: bool,
}

pub(crate) async fn run(global: &Global, command: ServerCommand) -> Result<(), Failure> {
    let path = profiles_path(global)?;
    let mut profiles = Profiles::load(&path)?;
    match command {
        ServerCommand::Add(args) => {
            let profile = add(global, args).await?;
            let name = profile.name.clone();
            profiles.add(profile)?;
            profiles.save(&path)?;
            if global.json {
                print_json(&json!({ "added": name, "current": profiles.current }))?;
            } else {
                println!("Added server {name}.");
                if profiles.current.as_deref() == Some(name.as_str()) {
                    println!("It is the current server. Log in with `antimony login`.");
                } else {
                    println!("Use it with `antimony server use {name}`.");
                }
            }
        }
        ServerCommand::List => {
            if global.json {
                print_json(&json!({
                    "current": profiles.current,
                    "servers": profiles.servers,
                }))?;
            } else if profiles.servers.is_empty() {
                println!("No servers. Add one with `antimony server add NAME URL`.");
            } else {
                let rows: Vec<Vec<String>> = profiles
                    .servers
                    .iter()
                    .map(|p| {
                        let current = profiles.current.as_deref() == Some(p.name.as_str());
                        vec![
                            if current { "*" } else { "" }.to_owned(),
                            p.name.clone(),
                            p.origin.clone(),
                            p.rest_base(),
                            trust_label(p),
                            p.user.clone().unwrap_or_default(),
                        ]
                    })
                    .collect();
                print_table(&["", "NAME", "ORIGIN", "REST", "TLS", "USER"], &rows);
            }
        }
        ServerCommand::Remove { name } => {
            let removed = profiles.remove(&name)?;
            profiles.save(&path)?;
            if let Err(error) = keychain(global).forget(&removed) {
                eprintln!("warning: the server's login could not be removed: {error}");
            }
            if global.json {
                print_json(&json!({ "removed": name }))?;
            } else {
                println!("Removed server {name}.");
            }
        }
        ServerCommand::Export { names, out } => {
            crate::sharing::export(global, &profiles, &names, out.as_deref())?;
        }
        ServerCommand::Import { file } => {
            crate::sharing::import(global, &mut profiles, &path, &file)?;
        }
        ServerCommand::Use { name } => {
            profiles.use_server(&name)?;
            profiles.save(&path)?;
            if global.json {
                print_json(&json!({ "current": name }))?;
            } else {
                println!("Now using server {name}.");
            }
        }
    }
    Ok(())
}

fn trust_label(profile: &ServerProfile) -> String {
    if !profile.uses_tls() {
        return "none".into();
    }
    match &profile.tls {
        Trust::System => "system roots".into(),
        Trust::CaFile { path } => format!("CA {}", path.display()),
        Trust::Pinned { fingerprint, .. } => {
            format!("pinned {}…", fingerprint.get(..23).unwrap_or(fingerprint))
        }
    }
}

/// Builds the profile of `server add`, settling how its certificate is trusted.
async fn add(global: &Global, args: AddArgs) -> Result<ServerProfile, Failure> {
    let mut profile = ServerProfile::new(args.name.as_str(), &args.url)?;
    if let Some(api) = &global.api {
        profile = profile.with_rest_base(api)?;
    }
    if let Some(path) = args.ca_file {
        let path = std::fs::canonicalize(&path)
            .map_err(|e| Failure::usage(format!("the CA file {}: {e}", path.display())))?;
        profile = profile.with_trust(Trust::CaFile { path });
    }
    let wanted = args
        .trust_fingerprint
        .as_deref()
        .map(|text| {
            tls::normalise_fingerprint(text).ok_or_else(|| {
                Failure::usage(format!(
                    "{text:?} is not a SHA-256 fingerprint (32 hex bytes, e.g. AB:CD:…)"
                ))
            })
        })
        .transpose()?;
    match account::reach(&profile).await {
        Ok(Reach::Trusted { profile, .. }) => Ok(profile),
        Ok(Reach::Untrusted { certificate, .. }) => {
            let fingerprint = certificate.fingerprint.clone();
            let confirmed = match &wanted {
                Some(wanted) if *wanted == fingerprint => wanted.clone(),
                Some(wanted) => {
                    return Err(Failure::unreachable(format!(
                        "{} presents a certificate with fingerprint\n  SHA256 {fingerprint}\n\
                         which is not the one given ({wanted}). Not added.",
                        profile.origin
                    )));
                }
                None if confirm(&profile.origin, &fingerprint)? => fingerprint,
                None => {
                    return Err(Failure::local("the certificate was not trusted; not added"));
                }
            };
            Ok(account::pin(&profile, &certificate, &confirmed).await?)
        }
        Err(error @ Error::Unreachable { .. }) => {
            eprintln!("warning: {error}; added anyway");
            Ok(profile)
        }
        Err(error) => Err(error.into()),
    }
}

/// Asks whether to trust a certificate; refuses when nobody can be asked.
fn confirm(origin: &str, fingerprint: &str) -> Result<bool, Failure> {
    let text = format!(
        "The certificate of {origin} is not signed by an authority this computer trusts.\n\
         Its SHA-256 fingerprint is\n  {fingerprint}\n"
    );
    if !std::io::stdin().is_terminal() {
        return Err(Failure::unreachable(format!(
            "{text}Compare it with the one the server's administrator gives you, then add the \
             server again with --trust-fingerprint {fingerprint}"
        )));
    }
    eprint!("{text}Is this the server's certificate? Trust it [y/N]: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::local(e.to_string()))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}

pub(crate) async fn login(global: &Global, args: LoginArgs) -> Result<(), Failure> {
    let mut profile = profile(global)?;
    let rest = RestClient::new(profile.clone())?;
    let config = rest.login_config().await?;
    if args.openid {
        return openid_login(global, &profile, config.open_id.enabled).await;
    }
    if !config.native.enabled {
        return Err(Failure::login(format!(
            "{} has no user and password login, only OpenID Connect: see `antimony login --openid`",
            profile.name
        )));
    }
    let interactive = std::io::stdin().is_terminal();
    let (user, password) = if config.native.allow_empty && global.user.is_none() {
        (String::new(), String::new())
    } else {
        let user = match global.user.clone().or_else(|| profile.user.clone()) {
            Some(user) => user,
            None if interactive => prompt("User: ")?,
            None => return Err(Failure::usage("no user: pass --user (ANTIMONY_USER)")),
        };
        let password = match &global.password {
            Some(password) => password.clone(),
            None if interactive => rpassword::prompt_password(format!("Password for {user}: "))
                .map_err(|e| Failure::local(e.to_string()))?,
            None => {
                return Err(Failure::usage(
                    "no password: pass --password-stdin or set ANTIMONY_PASSWORD",
                ));
            }
        };
        (user, password)
    };
    let login = account::login(
        &profile,
        &keychain(global),
        &user,
        &password,
        args.save_password,
    )
    .await
    .map_err(|e| login_failure(e, &user))?;
    if let Some(error) = login.not_kept {
        return Err(Failure::from(error).context("logged in, but the login cannot be kept"));
    }
    let identity = login.identity;
    // The user name is not a secret: the profile remembers it.
    if !user.is_empty() && !profile.name.contains("://") {
        let path = profiles_path(global)?;
        let mut profiles = Profiles::load(&path)?;
        if let Some(stored) = profiles.get_mut(&profile.name) {
            stored.user = Some(user.clone());
            profile = stored.clone();
            profiles.save(&path)?;
        }
    }
    if global.json {
        print_json(&json!({
            "server": profile.name,
            "id": identity.id,
            "isAdmin": identity.is_admin,
        }))?;
    } else {
        let role = if identity.is_admin { " (admin)" } else { "" };
        let who = if user.is_empty() {
            identity.id.clone()
        } else {
            user
        };
        println!("Logged in to {} as {who}{role}.", profile.name);
    }
    Ok(())
}

/// `login --openid`: the command line cannot receive an OpenID Connect login (PROTOCOL.md
/// §3.6: the tokens come back only as cookies of the server's origin, after the provider
/// sent the browser to the server's fixed redirect URI). It reuses the login Antimony Desktop
/// keeps in the keychain (the same service and entries, by server origin), or says how to
/// get one.
async fn openid_login(
    global: &Global,
    profile: &ServerProfile,
    offered: bool,
) -> Result<(), Failure> {
    if !offered {
        return Err(Failure::login(format!(
            "{} does not offer OpenID Connect login: log in with `antimony login`",
            profile.name
        )));
    }
    let kept = match account::restore(profile, &keychain(global)) {
        // A refresh asks the server whether the kept login is still good.
        Ok(Some(rest)) => match rest.refresh().await {
            Ok(_) => rest.identity(),
            Err(error) => {
                tracing::info!(%error, "the kept login was refused");
                None
            }
        },
        Ok(None) => None,
        Err(error) => {
            return Err(Failure::login(format!(
                "{}; and the keychain cannot be read: {error}",
                openid_advice(profile)
            )));
        }
    };
    let Some(identity) = kept else {
        return Err(Failure::login(openid_advice(profile)));
    };
    if global.json {
        print_json(&json!({
            "server": profile.name,
            "id": identity.id,
            "isAdmin": identity.is_admin,
            "from": "keychain",
        }))?;
    } else {
        let role = if identity.is_admin { " (admin)" } else { "" };
        println!(
            "Logged in to {} as {}{role}, with the login Antimony Desktop keeps in the keychain.",
            profile.name, identity.id
        );
    }
    Ok(())
}

/// Why the command line cannot log in through OpenID Connect, and what to do instead.
fn openid_advice(profile: &ServerProfile) -> String {
    format!(
        "{name} logs in through OpenID Connect, and hands the login back only as cookies of its \
         own origin in the browser that went through the provider, so a system browser cannot \
         pass it to the command line. Log in to {name} ({origin}) once in Antimony Desktop: \
         it keeps the login in the OS keychain, where `antimony` finds it (same server \
         address, same keychain)",
        name = profile.name,
        origin = profile.origin
    )
}

fn prompt(question: &str) -> Result<String, Failure> {
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::local(e.to_string()))?;
    Ok(answer.trim().to_owned())
}

pub(crate) async fn logout(global: &Global) -> Result<(), Failure> {
    let profile = profile(global)?;
    let rest = RestClient::new(profile.clone()).ok();
    account::logout(rest.as_ref(), &profile, &keychain(global)).await?;
    if global.json {
        print_json(&json!({ "loggedOut": profile.name }))?;
    } else {
        println!("Logged out of {}.", profile.name);
    }
    Ok(())
}
