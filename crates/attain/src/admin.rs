//! `attain user …` and `attain token …`: administration from the shell,
//! through the same use cases as the web pages, recorded in the audit log
//! with the actor `cli`.

use std::io::BufRead;

use anyhow::{Context, anyhow, bail};
use attain_app::{auth, users};
use attain_core::{Login, OrgUnitId};
use attain_store::{Actor, Store};

use crate::{TokenCommand, UserCommand};

fn cli_actor() -> Actor {
    Actor::named("cli")
}

/// Reads the first line of standard input as a password.
fn password_from_stdin() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("--password-stdin: standard input held no password");
    }
    Ok(password)
}

/// Finds an org unit by ID, name or path; the company when none is given.
async fn resolve_unit(store: &Store, unit: Option<&str>) -> anyhow::Result<OrgUnitId> {
    if store.org_units().await?.is_empty() {
        bail!(
            "the organisation has no company unit yet; run `attain serve` once, or start the org chart with `attain unit add`"
        );
    }
    let tree = store.org_tree().await?;
    match unit {
        None => Ok(tree.root().id),
        Some(text) => tree.find(text).map_err(|e| anyhow!("--unit: {e}")),
    }
}

async fn user_by_login(store: &Store, login: &Login) -> anyhow::Result<attain_store::User> {
    store.user_by_login(login).await.map_err(|e| match e {
        attain_store::StoreError::NotFound { .. } => anyhow!("no user has the login '{login}'"),
        other => other.into(),
    })
}

/// Runs a `user` subcommand.
pub async fn user(store: &Store, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add(args) => {
            let unit = resolve_unit(store, args.unit.as_deref()).await?;
            let password = if args.password_stdin {
                Some(password_from_stdin()?)
            } else {
                None
            };
            let account = users::NewAccount {
                display_name: args.name.unwrap_or_else(|| args.login.to_string()),
                login: args.login,
                email: args.email,
                unit,
                role: args.role,
                password,
                external_id: None,
            };
            let (user, one_time) = users::create_user(store, &cli_actor(), None, account).await?;
            println!(
                "added {} ({}) as {} in org unit {}",
                user.login, user.display_name, user.role, user.unit
            );
            if let Some(password) = one_time {
                println!("one-time password: {password}");
                println!("(to be changed at first sign-in; it is not shown again)");
            }
            Ok(())
        }
        UserCommand::Passwd(args) => {
            let user = user_by_login(store, &args.login).await?;
            let password = if args.password_stdin {
                Some(password_from_stdin()?)
            } else {
                None
            };
            let reset = users::reset_password(
                store,
                &cli_actor(),
                None,
                user.id,
                password,
                attain_core::Clock::system().now(),
            )
            .await?;
            match reset.one_time {
                Some(one_time) => {
                    println!("one-time password for {}: {one_time}", user.login);
                    println!("(to be changed at next sign-in; it is not shown again)");
                }
                None => println!("password of {} changed", user.login),
            }
            println!(
                "their sessions were signed out and {} API token(s) revoked",
                reset.tokens_revoked
            );
            Ok(())
        }
        UserCommand::Move { login, unit, from } => {
            let user = user_by_login(store, &login).await?;
            let target = resolve_unit(store, Some(&unit)).await?;
            let today = today(store).await?;
            let on = from.unwrap_or(today);
            let moved =
                users::move_user(store, &cli_actor(), None, user.id, target, on, today).await?;
            let tree = store.org_tree().await?;
            let path = tree.path(target).join(" / ");
            if moved {
                let credit = store.settings().await?.unit_credit;
                println!("{login} is in {path} from {on}");
                println!(
                    "{}",
                    match credit {
                        attain_core::UnitCredit::Current =>
                            "(unit_credit is current: team and region figures count all his sales, earlier ones too, for his new unit)",
                        attain_core::UnitCredit::TransactionDate =>
                            "(unit_credit is transaction_date: his sales before that day still count for his former unit)",
                    }
                );
            } else {
                println!("{login} is in {path} already: nothing changed");
            }
            Ok(())
        }
        UserCommand::History { login } => {
            let user = user_by_login(store, &login).await?;
            let tree = store.org_tree().await?;
            println!("{:<12} {:<12} unit", "from", "until");
            for m in store.memberships(user.id).await? {
                println!(
                    "{:<12} {:<12} {}",
                    m.from
                        .map_or_else(|| "(always)".to_owned(), |d| d.to_string()),
                    m.until.map_or_else(
                        || "(today)".to_owned(),
                        |d| d.pred_opt().unwrap_or(d).to_string()
                    ),
                    tree.path(m.unit).join(" / ")
                );
            }
            Ok(())
        }
        UserCommand::List => {
            let all = store.users().await?;
            let tree = store.org_tree().await?;
            println!(
                "{:<6} {:<24} {:<10} {:<7} {:<28} unit",
                "id", "login", "role", "active", "name"
            );
            for u in all {
                let unit = tree.path(u.unit).join(" / ");
                println!(
                    "{:<6} {:<24} {:<10} {:<7} {:<28} {}",
                    u.id.raw(),
                    u.login.as_str(),
                    u.role.key(),
                    if u.active { "yes" } else { "no" },
                    u.display_name,
                    unit
                );
            }
            Ok(())
        }
    }
}

/// The organisation's today, in its time zone.
async fn today(store: &Store) -> anyhow::Result<chrono::NaiveDate> {
    let zone = store.settings().await?.time_zone;
    Ok(attain_core::Clock::system().in_zone(zone).today())
}

/// Runs a `token` subcommand.
pub async fn token(store: &Store, command: TokenCommand) -> anyhow::Result<()> {
    let now = attain_core::Clock::system().now();
    match command {
        TokenCommand::Create {
            login,
            name,
            expires,
        } => {
            let user = user_by_login(store, &login).await?;
            let lifetime = expires;
            let (id, token) =
                auth::create_api_token(store, &cli_actor(), None, user.id, &name, lifetime, now)
                    .await?;
            println!("{token}");
            let until = lifetime.map_or_else(
                || "does not expire".to_owned(),
                |l| format!("expires {}", (now + l).format("%Y-%m-%d %H:%M UTC")),
            );
            eprintln!("token {id} '{name}' for {login} ({until}): shown once, store it now");
            Ok(())
        }
        TokenCommand::Revoke { id } => {
            store
                .revoke_api_token(&cli_actor(), id, None, now)
                .await
                .map_err(|e| match e {
                    attain_store::StoreError::NotFound { .. } => {
                        anyhow!("no active API token has the ID {id}")
                    }
                    other => other.into(),
                })?;
            println!("token {id} revoked");
            Ok(())
        }
        TokenCommand::List { login } => {
            let user = user_by_login(store, &login).await?;
            println!(
                "{:<6} {:<24} {:<24} {:<24} {:<24} status",
                "id", "name", "created", "last used", "expires"
            );
            let when = |x: Option<chrono::DateTime<chrono::Utc>>, none: &str| {
                x.map_or_else(
                    || none.to_owned(),
                    |x| x.format("%Y-%m-%d %H:%M UTC").to_string(),
                )
            };
            for t in store.api_tokens_of(user.id).await? {
                let status = match (t.revoked_at, t.expires_at) {
                    (Some(_), _) => "revoked",
                    (None, Some(at)) if at <= now => "expired",
                    _ => "active",
                };
                println!(
                    "{:<6} {:<24} {:<24} {:<24} {:<24} {}",
                    t.id,
                    t.name,
                    when(Some(t.created_at), ""),
                    when(t.last_used_at, "never"),
                    when(t.expires_at, "never"),
                    status
                );
            }
            Ok(())
        }
    }
}
