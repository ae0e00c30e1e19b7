//! `attain settings …`: the organisation's settings from the shell, through
//! the same use case as the settings page, audited with the actor `cli`.

use anyhow::bail;
use attain_app::goals::By;
use attain_app::settings;
use attain_core::SettingKey;
use attain_store::Store;
use clap::Subcommand;

/// `attain settings`.
#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Print every setting as KEY=VALUE.
    Show,
    /// Change settings: KEY=VALUE… (all or none). Keys: company_name,
    /// base_currency, fiscal_year_start_month, fiscal_year_named_by
    /// (start|end), time_zone, week_start, revenue_basis
    /// (orders|bookings|cash), churn_inactive_days, default_language (en|zh-CN).
    Set {
        /// One or more KEY=VALUE.
        #[arg(required = true, value_name = "KEY=VALUE")]
        pairs: Vec<String>,
    },
}

/// Splits `KEY=VALUE` arguments, naming the one that is not.
fn parse_pairs(pairs: &[String]) -> anyhow::Result<Vec<(SettingKey, String)>> {
    let mut out = Vec::with_capacity(pairs.len());
    for pair in pairs {
        let Some((key, value)) = pair.split_once('=') else {
            bail!("'{pair}' is not KEY=VALUE (for example fiscal_year_start_month=4)");
        };
        let key: SettingKey = key.parse()?;
        if out.iter().any(|(k, _)| *k == key) {
            bail!("{key} is given twice");
        }
        out.push((key, value.to_owned()));
    }
    Ok(out)
}

/// Runs a `settings` subcommand.
pub async fn run(store: &Store, command: SettingsCommand) -> anyhow::Result<()> {
    match command {
        SettingsCommand::Show => {
            for (key, value) in store.settings().await?.entries() {
                println!("{key}={value}");
            }
            Ok(())
        }
        SettingsCommand::Set { pairs } => {
            let changes = parse_pairs(&pairs)?;
            let done = settings::change(store, By::Cli, &changes).await?;
            if done.changed.is_empty() {
                println!("nothing changed: the settings already had these values");
                return Ok(());
            }
            for key in &done.changed {
                println!(
                    "{key}: {} -> {}",
                    done.before.get(*key),
                    done.after.get(*key)
                );
            }
            let moved = done.goals_moved.len();
            if moved > 0 {
                println!("{moved} goal(s) kept on their dates under the new calendar:");
                for m in &done.goals_moved {
                    let what = if m.name.is_empty() {
                        format!("{} of {}", m.metric, m.scope_label)
                    } else {
                        m.name.clone()
                    };
                    let note = if m.unaligned() {
                        "  (no longer a fiscal period)"
                    } else {
                        ""
                    };
                    println!("  goal {}: {what}: {} -> {}{note}", m.goal, m.from, m.to);
                }
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_split_once_and_checked() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let ok = parse_pairs(&args(&["company_name=A=B Ltd", "week_start=sunday"])).unwrap();
        assert_eq!(ok[0], (SettingKey::CompanyName, "A=B Ltd".to_owned()));
        assert_eq!(ok[1], (SettingKey::WeekStart, "sunday".to_owned()));
        let err = parse_pairs(&args(&["fiscal_year_start_month"]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("is not KEY=VALUE"), "{err}");
        let err = parse_pairs(&args(&["colour=red"])).unwrap_err().to_string();
        assert!(err.contains("no setting 'colour'"), "{err}");
        let err = parse_pairs(&args(&["week_start=monday", "week_start=sunday"]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("given twice"), "{err}");
    }
}
