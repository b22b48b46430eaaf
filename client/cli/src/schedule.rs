//! `antimony lab …`: show a lab (`antimony lab <lab>`), extend it (`lab extend`) or set its
//! times (`lab reschedule`) through `PATCH /labs/:id`. A deployed lab only takes a new end,
//! and only on antimony-server: the client refuses to send that to a Go server, which would
//! stop answering (PROTOCOL.md §4.3).

use antimony_client::import;
use antimony_protocol::Timestamp;
use antimony_protocol::rest::{LabInPartial, LabOut};
use clap::{ArgGroup, Args, Subcommand};
use serde_json::json;
use time::OffsetDateTime;

use crate::Global;
use crate::context;
use crate::labs::{self, LabArg, find_lab, parse_time};
use crate::output::{Failure, print_json, time};

/// `antimony lab <lab>`, or `antimony lab extend|reschedule …`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct LabArgs {
    #[command(subcommand)]
    action: Option<LabAction>,
    /// The lab to show: its id, or its name.
    #[arg(required = true)]
    lab: Option<String>,
}

#[derive(Debug, Subcommand)]
enum LabAction {
    /// Move a lab's end later (also while it runs, on antimony-server).
    Extend(ExtendArgs),
    /// Set when a lab starts and ends, or let it run with no end.
    Reschedule(RescheduleArgs),
}

#[derive(Debug, Args)]
struct ExtendArgs {
    /// The lab: its id, or its name.
    lab: String,
    /// How much longer: e.g. 1h, 30m, 2d, 1h30m.
    #[arg(long, default_value = "1h", value_name = "DURATION", value_parser = parse_duration)]
    by: time::Duration,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("times").required(true).multiple(true).args(["start", "end", "indefinite"])))]
struct RescheduleArgs {
    /// The lab: its id, or its name.
    lab: String,
    /// When the server deploys it (RFC 3339, e.g. 2026-12-01T08:00:00Z).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    start: Option<Timestamp>,
    /// When the server destroys it (RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = parse_time, conflicts_with = "indefinite")]
    end: Option<Timestamp>,
    /// No end: the lab runs until it is destroyed.
    #[arg(long)]
    indefinite: bool,
}

/// The longest extension taken at once.
const MAX_EXTENSION_DAYS: i64 = 366;

/// `1h`, `30m`, `2d`, `1h30m`: whole numbers with a unit (d, h, m), at least a minute.
fn parse_duration(text: &str) -> Result<time::Duration, String> {
    let invalid = || format!("{text:?} is not a duration like 1h, 30m, 2d or 1h30m");
    let mut total = time::Duration::ZERO;
    let mut number = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: i64 = number.parse().map_err(|_| invalid())?;
        number.clear();
        total += match c {
            'd' => time::Duration::days(n.min(MAX_EXTENSION_DAYS + 1)),
            'h' => time::Duration::hours(n.min(24 * (MAX_EXTENSION_DAYS + 1))),
            'm' => time::Duration::minutes(n.min(24 * 60 * (MAX_EXTENSION_DAYS + 1))),
            _ => return Err(invalid()),
        };
    }
    if !number.is_empty() || total < time::Duration::MINUTE {
        return Err(invalid());
    }
    if total > time::Duration::days(MAX_EXTENSION_DAYS) {
        return Err(format!("{text:?} is more than {MAX_EXTENSION_DAYS} days"));
    }
    Ok(total)
}

pub(crate) async fn run(global: &Global, args: LabArgs) -> Result<(), Failure> {
    match (args.action, args.lab) {
        (Some(LabAction::Extend(extend_args)), _) => extend(global, extend_args).await,
        (Some(LabAction::Reschedule(reschedule_args)), _) => {
            reschedule(global, reschedule_args).await
        }
        (None, Some(lab)) => labs::show(global, LabArg { lab }).await,
        (None, None) => Err(Failure::usage("which lab? (antimony lab <lab>)")),
    }
}

async fn extend(global: &Global, args: ExtendArgs) -> Result<(), Failure> {
    let rest = context::rest(global).await?;
    let lab = find_lab(&rest, &args.lab).await?;
    let now = OffsetDateTime::now_utc();
    let end = match lab.end_time {
        Some(end) if !import::never_ends(&lab, now) => OffsetDateTime::from(end),
        _ => {
            return Err(Failure::usage(format!(
                "lab {:?} has no end: nothing to extend (antimony lab reschedule --end …)",
                lab.name
            )));
        }
    };
    // An end already past extends from now (the server has not destroyed the lab yet).
    let end = Timestamp::from(end.max(now) + args.by);
    let change = LabInPartial {
        end_time: Some(end),
        ..LabInPartial::default()
    };
    rest.update_lab(&lab.id, &change)
        .await
        .map_err(|e| Failure::from(e).context(&format!("extending lab {:?}", lab.name)))?;
    report(global, &rest.lab(&lab.id).await?)
}

async fn reschedule(global: &Global, args: RescheduleArgs) -> Result<(), Failure> {
    let rest = context::rest(global).await?;
    let lab = find_lab(&rest, &args.lab).await?;
    // The times after the change must stay in order (antimony-server refuses otherwise; the
    // Go server would take it and destroy the lab before it starts).
    let start = args.start.unwrap_or(lab.start_time);
    if let Some(end) = args.end
        && end.unix_timestamp() <= start.unix_timestamp()
    {
        return Err(Failure::usage(format!(
            "the end ({}) must be after the start ({})",
            time(&end),
            time(&start)
        )));
    }
    let change = LabInPartial {
        start_time: args.start,
        end_time: args.end,
        indefinite: args.indefinite.then_some(true),
        ..LabInPartial::default()
    };
    rest.update_lab(&lab.id, &change)
        .await
        .map_err(|e| Failure::from(e).context(&format!("rescheduling lab {:?}", lab.name)))?;
    report(global, &rest.lab(&lab.id).await?)
}

/// The lab's times after the change.
fn report(global: &Global, lab: &LabOut) -> Result<(), Failure> {
    if global.json {
        return print_json(&json!({
            "id": lab.id,
            "name": lab.name,
            "startTime": lab.start_time,
            "endTime": lab.end_time,
        }));
    }
    let end = lab.end_time.as_ref().map_or_else(
        || "has no end".to_owned(),
        |end| format!("ends {}", time(end)),
    );
    println!(
        "Lab {} starts {} and {end}.",
        lab.name,
        time(&lab.start_time)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations_take_days_hours_and_minutes() {
        assert_eq!(parse_duration("1h"), Ok(time::Duration::hours(1)));
        assert_eq!(parse_duration("90m"), Ok(time::Duration::minutes(90)));
        assert_eq!(
            parse_duration("1d2h30m"),
            Ok(time::Duration::minutes(26 * 60 + 30))
        );
        for bad in [
            "",
            "1",
            "h",
            "1x",
            "-1h",
            "0m",
            "30s",
            "400d",
            "99999999999999999999h",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }
}
