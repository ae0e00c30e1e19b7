//! `attain unit …`: the org chart from the shell, through the same use cases
//! as the API, audited with the actor `cli`. Units are named by ID, name or
//! path (`North/N1`).

use anyhow::anyhow;
use attain_app::goals::By;
use attain_app::units;
use attain_core::{OrgTree, OrgUnitId, OrgUnitKind};
use attain_store::{NewOrgUnit, Store};
use clap::Subcommand;

/// `attain unit`.
#[derive(Debug, Subcommand)]
pub enum UnitCommand {
    /// List every unit as a tree, with its ID, kind and people.
    List,
    /// Add a unit under a parent (the company by default).
    Add {
        /// Its name.
        name: String,
        /// region, department or team.
        #[arg(long, value_parser = parse_kind)]
        kind: OrgUnitKind,
        /// The unit above it, by ID, name or path [default: the company]
        #[arg(long, value_name = "UNIT")]
        parent: Option<String>,
    },
    /// Give a unit a new name.
    Rename {
        /// The unit, by ID, name or path.
        unit: String,
        /// Its new name.
        name: String,
    },
    /// Move a unit (with everything under it) below another.
    Move {
        /// The unit, by ID, name or path.
        unit: String,
        /// Its new parent, by ID, name or path.
        #[arg(long = "to", value_name = "UNIT")]
        to: String,
    },
    /// Remove a unit nobody belongs to and nothing hangs under.
    Remove {
        /// The unit, by ID, name or path.
        unit: String,
    },
}

fn parse_kind(text: &str) -> Result<OrgUnitKind, String> {
    match text.parse::<OrgUnitKind>() {
        Ok(OrgUnitKind::Company) => {
            Err("there is one company, at the root; add a region, department or team".into())
        }
        Ok(kind) => Ok(kind),
        Err(_) => Err(format!("'{text}' is not region, department or team")),
    }
}

fn find(tree: &OrgTree, what: &str, text: &str) -> anyhow::Result<OrgUnitId> {
    tree.find(text).map_err(|e| anyhow!("{what}: {e}"))
}

/// The company unit at the root, created under the organisation's name
/// (`attain settings set company_name=…`) on a new database.
async fn company(store: &Store) -> anyhow::Result<()> {
    if store.org_units().await?.is_empty() {
        let name = store.settings().await?.name;
        let unit = NewOrgUnit {
            parent: None,
            name: name.clone(),
            kind: OrgUnitKind::Company,
            external_id: None,
        };
        units::create(store, By::Cli, &unit).await?;
        println!("created the company unit {name}");
    }
    Ok(())
}

/// Runs a `unit` subcommand.
pub async fn run(store: &Store, command: UnitCommand) -> anyhow::Result<()> {
    if matches!(command, UnitCommand::Add { .. }) {
        company(store).await?;
    }
    let tree = store.org_tree().await?;
    match command {
        UnitCommand::List => {
            println!("{:<6} {:<11} {:>6}  unit", "id", "kind", "people");
            for unit in tree.units() {
                let depth = tree.depth(unit.id).unwrap_or(0) as usize;
                let people = tree.users_within(unit.id).count();
                println!(
                    "{:<6} {:<11} {:>6}  {}{}",
                    unit.id.raw(),
                    unit.kind.key(),
                    people,
                    "  ".repeat(depth),
                    unit.name
                );
            }
            Ok(())
        }
        UnitCommand::Add { name, kind, parent } => {
            let parent = match parent {
                Some(p) => find(&tree, "--parent", &p)?,
                None => tree.root().id,
            };
            let unit = NewOrgUnit {
                parent: Some(parent),
                name: name.clone(),
                kind,
                external_id: None,
            };
            let id = units::create(store, By::Cli, &unit).await?;
            let tree = store.org_tree().await?;
            println!(
                "added {} ({}) as unit {id}",
                tree.path(id).join("/"),
                kind.key()
            );
            Ok(())
        }
        UnitCommand::Rename { unit, name } => {
            let id = find(&tree, "unit", &unit)?;
            units::update(store, By::Cli, id, Some(&name), None).await?;
            let tree = store.org_tree().await?;
            println!("unit {id} is now {}", tree.path(id).join("/"));
            Ok(())
        }
        UnitCommand::Move { unit, to } => {
            let id = find(&tree, "unit", &unit)?;
            let parent = find(&tree, "--to", &to)?;
            units::update(store, By::Cli, id, None, Some(parent)).await?;
            let tree = store.org_tree().await?;
            println!("unit {id} is now {}", tree.path(id).join("/"));
            Ok(())
        }
        UnitCommand::Remove { unit } => {
            let id = find(&tree, "unit", &unit)?;
            let path = tree.path(id).join("/");
            units::delete(store, By::Cli, id).await?;
            println!("removed {path}");
            Ok(())
        }
    }
}
