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
    if !config.native.enabled {
        return Err(Failure::login(
            "this server has no native login (only OpenID, which the command line cannot do)",
        ));
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
