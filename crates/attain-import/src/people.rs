//! A people file (`attain import people FILE`, or the Import page): who
//! sells and manages, each in a unit with a role, as a company's HR export
//! has them. All rows or none; people are found again by login, so a new
//! version of the file updates them; someone who left is deactivated, never
//! deleted; new people get one-time passwords, handed back to the caller
//! and never written to a log.

use std::collections::HashMap;

use attain_app::goals::By;
use attain_app::{AppError, AppResult, auth, secrets};
use attain_core::{ImportProblem, Login, OrgTree, OrgUnitKind, Role};
use attain_store::{NewUnit, PeoplePlan, PersonRef, PersonRow, Store, UnitRef};

use crate::rows::Sheet;
use crate::{ImportOptions, Mapping, ReadLimits, UnusedColumn, read_any_as};

/// Attain's fields of a people file and the headers that fill them.
pub(crate) const PEOPLE_FIELDS: &[(&str, &[&str])] = &[
    (
        "login",
        &[
            "login",
            "username",
            "user name",
            "user",
            "账号",
            "用户名",
            "登录名",
        ],
    ),
    (
        "name",
        &["name", "full name", "display name", "姓名", "名字"],
    ),
    ("email", &["email", "e-mail", "mail", "邮箱", "电子邮件"]),
    ("role", &["role", "角色"]),
    (
        "unit",
        &[
            "unit",
            "team",
            "department",
            "org unit",
            "部门",
            "团队",
            "组织",
        ],
    ),
    ("manager", &["manager", "reports to", "上级", "直属上级"]),
    (
        "start_date",
        &["start date", "start_date", "hire date", "入职日期"],
    ),
    (
        "end_date",
        &["end date", "end_date", "leave date", "离职日期"],
    ),
    ("active", &["active", "status", "在职", "状态"]),
    (
        "unit_from",
        &[
            "unit_from",
            "unit from",
            "in unit since",
            "moved on",
            "调入日期",
            "调动日期",
        ],
    ),
    (
        "unit_history",
        &["unit_history", "unit history", "past units", "调动记录"],
    ),
];

/// How to read and write a people file.
#[derive(Debug, Clone, Default)]
pub struct PeopleOptions {
    /// Create the units the file names that do not exist, from their paths.
    pub create_units: bool,
    /// Check everything, write nothing.
    pub dry_run: bool,
    /// Column overrides, date layout, encoding.
    pub mapping: Mapping,
    /// Where "today" comes from (who has left by now).
    pub clock: attain_core::Clock,
    /// The most new people one file may add (each one-time password is
    /// hashed, about 40 ms of a core): the web page's bound; none for the
    /// shell.
    pub max_new: Option<usize>,
}

/// What a people file did, or in a dry run would do.
#[derive(Debug, Clone, Default)]
pub struct PeopleReport {
    /// Data rows read.
    pub rows: usize,
    /// Whether nothing was written.
    pub dry_run: bool,
    /// People added (or to be added).
    pub created: usize,
    /// People whose stored fields changed.
    pub updated: usize,
    /// People the file left as they were.
    pub unchanged: usize,
    /// People deactivated (they left: history and credit kept).
    pub deactivated: usize,
    /// Units created (or to be), by path.
    pub units_created: Vec<String>,
    /// Each new person's login and one-time password: shown once, to be
    /// handed over; never logged.
    pub one_time_passwords: Vec<(Login, String)>,
    /// People without an `active` value whose end date has passed: they
    /// were taken as having left.
    pub left_by_end_date: usize,
    /// Columns no field read: their values are not stored.
    pub unused_columns: Vec<UnusedColumn>,
    /// What reading the file decided that the person should know.
    pub notes: Vec<String>,
}

/// A role by its key or a common name for it (English or Chinese).
fn role_of(text: &str) -> Option<Role> {
    if let Ok(role) = text.parse::<Role>() {
        return Some(role);
    }
    match text.trim().to_lowercase().replace(['-', ' '], "_").as_str() {
        "administrator" | "管理员" | "系统管理员" => Some(Role::Admin),
        "sales_operations" | "ops" | "销售运营" | "运营" => Some(Role::SalesOps),
        "sales_manager" | "team_lead" | "经理" | "销售经理" | "主管" => Some(Role::Manager),
        "sales_rep" | "representative" | "salesperson" | "销售" | "销售代表" | "业务员" => {
            Some(Role::Rep)
        }
        "read_only" | "只读" | "查看者" => Some(Role::Viewer),
        _ => None,
    }
}

/// The units a file creates, keyed by their full path.
#[derive(Default)]
struct NewUnits {
    units: Vec<NewUnit>,
    paths: Vec<String>,
    by_path: HashMap<String, usize>,
}

impl NewUnits {
    /// The unit a file names by ID, name or path: one that exists, or
    /// (with `create`) one to create from its path.
    fn find(&mut self, tree: &OrgTree, path: &str, create: bool) -> Result<UnitRef, String> {
        match tree.find(path) {
            Ok(id) => Ok(UnitRef::Existing(id)),
            Err(attain_core::UnitLookupError::NotFound(_)) if create => self.resolve(tree, path),
            Err(e @ attain_core::UnitLookupError::NotFound(_)) => Err(format!(
                "{e}: add it first (`attain unit add`, the Org chart page) or import with --create-units"
            )),
            Err(e) => Err(e.to_string()),
        }
    }

    /// The unit at `path` (names from the top, `/`-separated), creating
    /// what is missing below its longest existing prefix. New units are
    /// regions right under the company, departments above other new units,
    /// teams at the bottom.
    fn resolve(&mut self, tree: &OrgTree, path: &str) -> Result<UnitRef, String> {
        let parts: Vec<&str> = path
            .split('/')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if parts.is_empty() {
            return Err("a unit is required".into());
        }
        // The longest prefix that names a unit that exists.
        let mut parent = UnitRef::Existing(tree.root().id);
        let mut start = 0;
        for k in (1..parts.len()).rev() {
            match tree.find(&parts[..k].join("/")) {
                Ok(id) => {
                    parent = UnitRef::Existing(id);
                    start = k;
                    break;
                }
                Err(e @ attain_core::UnitLookupError::Ambiguous { .. }) => {
                    return Err(e.to_string());
                }
                Err(_) => {}
            }
        }
        // A path that starts with the company's own name starts at it.
        if start == 0 && parts.first() == Some(&tree.root().name.as_str()) {
            start = 1;
        }
        let base = match parent {
            UnitRef::Existing(id) => tree.path(id).join("/"),
            UnitRef::New(i) => self.paths[i].clone(),
        };
        let mut full = base;
        for (i, name) in parts.iter().enumerate().skip(start) {
            attain_core::text::name(name).map_err(|e| format!("unit name '{name}': {e}"))?;
            full = format!("{full}/{name}");
            if let Some(&n) = self.by_path.get(&full) {
                // A unit an earlier row created as a team (its path ended
                // there) that this row goes below is no team: whichever row
                // comes first, a unit's kind is the same.
                if i + 1 < parts.len()
                    && let Some(unit) = self.units.get_mut(n)
                    && unit.kind == OrgUnitKind::Team
                {
                    let under_company =
                        matches!(unit.parent, UnitRef::Existing(id) if id == tree.root().id);
                    unit.kind = if under_company {
                        OrgUnitKind::Region
                    } else {
                        OrgUnitKind::Department
                    };
                }
                parent = UnitRef::New(n);
                continue;
            }
            let under_company = matches!(parent, UnitRef::Existing(id) if id == tree.root().id);
            let kind = if i + 1 == parts.len() {
                OrgUnitKind::Team
            } else if under_company {
                OrgUnitKind::Region
            } else {
                OrgUnitKind::Department
            };
            self.units.push(NewUnit {
                parent,
                name: (*name).to_owned(),
                kind,
            });
            self.paths.push(full.clone());
            let n = self.units.len() - 1;
            self.by_path.insert(full.clone(), n);
            parent = UnitRef::New(n);
        }
        Ok(parent)
    }
}

/// Whether `by` may import people: administrators and the shell.
fn may_import_people(by: By<'_>) -> AppResult<()> {
    match by {
        By::Person(p) => AppError::unless_allowed(
            p.can_manage_users(),
            "only an administrator adds and changes people",
        ),
        By::Cli | By::System => Ok(()),
    }
}

/// Reads, checks and (unless a dry run) writes a people file.
pub async fn import_people(
    store: &Store,
    by: By<'_>,
    file: &str,
    bytes: &[u8],
    options: &PeopleOptions,
) -> AppResult<PeopleReport> {
    may_import_people(by)?;
    let (table, file_problems) =
        read_any_as(file, bytes, &ReadLimits::DEFAULT, options.mapping.encoding)
            .map_err(AppError::Import)?;
    let settings = store.settings().await?;
    let read = ImportOptions {
        mapping: options.mapping.clone(),
        clock: options.clock,
        ..ImportOptions::default()
    };
    let mut sheet = Sheet::new(
        &table,
        PEOPLE_FIELDS,
        &[],
        &["login", "name", "role", "unit"],
        &read,
        settings.base_currency,
        &["start_date", "end_date", "unit_from"],
        &[],
        file_problems,
    )?;
    if store.org_units().await?.is_empty() {
        return Err(AppError::Invalid(
            "the organisation has no company unit yet: run `attain serve` once, or start the org chart with `attain unit add`".into(),
        ));
    }
    let tree = store.org_tree().await?;
    let stored: HashMap<String, attain_store::User> = store
        .users()
        .await?
        .into_iter()
        .map(|u| (u.login.as_str().to_owned(), u))
        .collect();
    let today = options.clock.today();
    let acting = match by {
        By::Person(p) => Some(p.user),
        _ => None,
    };
    // Logins of the file, for managers named by a later row.
    let in_file: HashMap<String, usize> = {
        let mut map = HashMap::new();
        if let Some(col) = sheet.columns.get("login") {
            for (i, (_, cells)) in table.rows.iter().enumerate() {
                if let Some(Ok(login)) = cells.get(col).map(|c| Login::new(c)) {
                    map.entry(login.as_str().to_owned()).or_insert(i);
                }
            }
        }
        map
    };
    // A column the file does not have leaves what is stored as it is (an
    // empty cell in a column it has clears the value).
    let has = |field: &str| sheet.columns.get(field).is_some();
    let (has_email, has_manager, has_start, has_end) = (
        has("email"),
        has("manager"),
        has("start_date"),
        has("end_date"),
    );
    let details: HashMap<attain_core::UserId, attain_store::PersonDetails> = store
        .people_details()
        .await?
        .into_iter()
        .map(|d| (d.user, d))
        .collect();
    let mut new_units = NewUnits::default();
    let mut people: Vec<PersonRow> = Vec::with_capacity(table.rows.len());
    let mut managers: Vec<Option<String>> = Vec::with_capacity(table.rows.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut left_by_end_date = 0;
    let mut unit_from_unused = 0;
    for (line, cells) in &table.rows {
        let mut row = sheet.row(*line, cells);
        let login = row
            .required("login", "a login")
            .and_then(|t| match Login::new(&t) {
                Ok(l) => Some(l),
                Err(e) => {
                    row.bad("login", e.to_string());
                    None
                }
            });
        // A login twice is a problem whatever else is wrong with either row.
        let login = login.filter(|l| match seen.insert(l.as_str().to_owned(), *line) {
            Some(first) => {
                row.bad(
                    "login",
                    format!("the same login appears twice (first on line {first})"),
                );
                false
            }
            None => true,
        });
        let name = row
            .required("name", "a name")
            .and_then(|t| match attain_core::text::name(&t) {
                Ok(_) => Some(t),
                Err(e) => {
                    row.bad("name", e.to_string());
                    None
                }
            });
        let email = row.opt("email");
        if let Some(e) = &email
            && (!e.contains('@') || e.chars().any(char::is_whitespace) || e.len() > 254)
        {
            row.bad("email", "expected an e-mail address");
        }
        let role = row.required("role", "a role").and_then(|t| {
            let role = role_of(&t);
            if role.is_none() {
                row.bad("role", "expected admin, sales_ops, manager, rep or viewer");
            }
            role
        });
        let unit = row.required("unit", "a unit").and_then(|t| {
            match new_units.find(&tree, &t, options.create_units) {
                Ok(u) => Some(u),
                Err(e) => {
                    row.bad("unit", e);
                    None
                }
            }
        });
        let history = row
            .opt("unit_history")
            .filter(|h| !h.trim().is_empty())
            .and_then(|text| {
                match parse_history(&text, today, |path| {
                    new_units.find(&tree, path, options.create_units)
                }) {
                    Ok(h) => Some(h),
                    Err(e) => {
                        row.bad("unit_history", e);
                        None
                    }
                }
            });
        let start_date = row.opt_date("start_date");
        let end_date = row.opt_date("end_date");
        let unit_from = row.opt_date("unit_from");
        let active = row.choice("active", "yes or no", |t| match t {
            "yes" | "y" | "true" | "1" | "active" | "是" | "在职" | "有效" => Some(true),
            "no" | "n" | "false" | "0" | "inactive" | "left" | "否" | "离职" | "无效" => {
                Some(false)
            }
            _ => None,
        });
        let manager = row.opt("manager");
        let (
            Some(login),
            Some(name),
            Some(role),
            Some(unit),
            Some(start_date),
            Some(end_date),
            Some(active),
            Some(unit_from),
        ) = (
            login, name, role, unit, start_date, end_date, active, unit_from,
        )
        else {
            continue;
        };
        if let (Some(s), Some(e)) = (start_date, end_date)
            && e < s
        {
            row.bad(
                "end_date",
                format!("the last day comes before the first ({s})"),
            );
            continue;
        }
        let existing = stored.get(login.as_str());
        if let Some(h) = &history {
            if unit_from.is_some() {
                row.bad("unit_from", "give a move's first day (unit_from) or the whole history (unit_history), not both");
                continue;
            }
            if h.last().is_some_and(|(u, _)| *u == unit) {
                row.bad(
                    "unit_history",
                    "its last unit is the person's unit today: a history lists the units before it",
                );
                continue;
            }
        }
        if unit_from.is_some_and(|d| d > today) {
            row.bad(
                "unit_from",
                format!("a move takes effect today ({today}) or on a past day"),
            );
            continue;
        }
        // A move's first day: the file's, or today. Someone new is in his
        // first unit for all his history; someone who stays has no move.
        let moves =
            history.is_none() && existing.is_some_and(|u| unit != UnitRef::Existing(u.unit));
        let unit_from = if moves {
            let on = unit_from.unwrap_or(today);
            // A move comes after the person's last one (the same day corrects it).
            if let Some(user) = existing {
                let last = store
                    .memberships(user.id)
                    .await?
                    .last()
                    .and_then(|m| m.from);
                if let Some(last) = last.filter(|l| on < *l) {
                    row.bad(
                        "unit_from",
                        format!("{on} is before {login}'s last move ({last}): a move is dated on or after it"),
                    );
                    continue;
                }
            }
            Some(on)
        } else {
            if unit_from.is_some() {
                unit_from_unused += 1;
            }
            None
        };
        let kept = existing.and_then(|u| details.get(&u.id));
        let start_date = if has_start {
            start_date
        } else {
            kept.and_then(|d| d.start_date)
        };
        let end_date = if has_end {
            end_date
        } else {
            kept.and_then(|d| d.end_date)
        };
        let email = if has_email {
            email.filter(|e| !e.is_empty())
        } else {
            existing.and_then(|u| u.email.clone())
        };
        // Without a yes or no: someone whose last day has passed has left;
        // otherwise a new person is active and a stored one stays as he is.
        let active = match active {
            Some(a) => a,
            None if end_date.is_some_and(|e| e < today) => {
                left_by_end_date += 1;
                false
            }
            None => existing.is_none_or(|u| u.active),
        };
        if let (Some(me), Some(user)) = (acting, existing)
            && user.id == me
            && (role != Role::Admin || !active)
        {
            row.bad("role", "you cannot take away your own administrator rights or deactivate yourself: another administrator must");
            continue;
        }
        if let Some(m) = &manager
            && Login::new(m).is_ok_and(|m| m == login)
        {
            row.bad("manager", "a person cannot report to himself");
            continue;
        }
        managers.push(manager);
        people.push(PersonRow {
            existing: existing.map(|u| u.id),
            login,
            display_name: name,
            email,
            role,
            unit,
            manager: None,
            start_date,
            end_date,
            active,
            unit_from,
            history,
            password_hash: None,
        });
    }
    // Managers: someone in the file or someone stored, by login.
    let lines: Vec<usize> = table.rows.iter().map(|(l, _)| *l).collect();
    let index_of_row: HashMap<String, usize> = people
        .iter()
        .enumerate()
        .map(|(i, p)| (p.login.as_str().to_owned(), i))
        .collect();
    let mut problems: Vec<ImportProblem> = Vec::new();
    for (i, manager) in managers.iter().enumerate() {
        if !has_manager {
            people[i].manager = people[i]
                .existing
                .and_then(|id| details.get(&id))
                .and_then(|d| d.manager)
                .map(PersonRef::Existing);
            continue;
        }
        let Some(text) = manager else { continue };
        let found = Login::new(text).ok().and_then(|l| {
            index_of_row
                .get(l.as_str())
                .map(|j| PersonRef::New(*j))
                .or_else(|| stored.get(l.as_str()).map(|u| PersonRef::Existing(u.id)))
        });
        match found {
            Some(m) => people[i].manager = Some(m),
            // A manager whose own row has a problem: that problem is his.
            None if Login::new(text).is_ok_and(|l| in_file.contains_key(l.as_str())) => {}
            None => {
                let line = in_file
                    .get(people[i].login.as_str())
                    .and_then(|r| lines.get(*r))
                    .copied()
                    .unwrap_or(0);
                problems.push(ImportProblem {
                    file: table.file.clone(),
                    row: line,
                    column: Some(sheet.header_of_field("manager")),
                    message: "no person has this login, here or in the file".into(),
                    value: Some(text.clone()),
                });
            }
        }
    }
    let unused_columns = sheet.unused_columns();
    let mut notes = sheet.take_notes();
    if unit_from_unused > 0 {
        notes.push(format!(
            "unit_from: not used on {unit_from_unused} rows, whose person is new (his first unit holds for all his history) or stays in his unit"
        ));
    }
    if let Err(mut found) = sheet.finish() {
        found.extend(problems);
        found.sort_by_key(|p| p.row);
        return Err(AppError::Import(found));
    }
    if !problems.is_empty() {
        return Err(AppError::Import(problems));
    }
    if people.is_empty() {
        return Err(AppError::Invalid(format!("{file}: no people in the file")));
    }
    // Who reports to whom must end somewhere.
    for start in 0..people.len() {
        let mut at = start;
        let mut steps = 0;
        while let Some(PersonRef::New(next)) = people[at].manager {
            at = next;
            steps += 1;
            if at == start || steps > people.len() {
                return Err(AppError::Invalid(format!(
                    "{file}: {} reports, through others in the file, to himself",
                    people[start].login
                )));
            }
        }
    }
    let created = people.iter().filter(|p| p.existing.is_none()).count();
    let mut report = PeopleReport {
        rows: table.rows.len(),
        dry_run: options.dry_run,
        created,
        units_created: new_units.paths.clone(),
        left_by_end_date,
        unused_columns,
        notes,
        ..PeopleReport::default()
    };
    if let Some(max) = options.max_new
        && created > max
    {
        return Err(AppError::Invalid(format!(
            "{file} adds {created} people; the Import page adds at most {max} at a time: split the file, or run `attain import people` on the server"
        )));
    }
    if options.dry_run {
        report.updated = people.len() - created;
        report.deactivated = people
            .iter()
            .filter(|p| {
                !p.active
                    && p.existing
                        .is_some_and(|id| stored.values().any(|u| u.id == id && u.active))
            })
            .count();
        return Ok(report);
    }
    for p in people.iter_mut().filter(|p| p.existing.is_none()) {
        let password = secrets::new_password()?;
        p.password_hash = Some(auth::hash_password(&password).await?);
        report.one_time_passwords.push((p.login.clone(), password));
    }
    let plan = PeoplePlan {
        units: new_units.units,
        people,
    };
    let counts = store.import_people(&by.actor(), &plan).await?;
    report.created = counts.created;
    report.updated = counts.updated;
    report.unchanged = counts.unchanged;
    report.deactivated = counts.deactivated;
    Ok(report)
}

/// The units someone was in before today's, from `PATH until LAST-DAY; …`
/// (oldest first, as `attain export` writes them): each unit by `find`,
/// each last day after the one before and before `today`, no unit twice in
/// a row.
fn parse_history(
    text: &str,
    today: chrono::NaiveDate,
    mut find: impl FnMut(&str) -> Result<UnitRef, String>,
) -> Result<Vec<(UnitRef, chrono::NaiveDate)>, String> {
    let mut out: Vec<(UnitRef, chrono::NaiveDate)> = Vec::new();
    for (i, part) in text
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .enumerate()
    {
        if i >= 200 {
            return Err("more than 200 past units".into());
        }
        let (path, day) = part
            .rsplit_once(" until ")
            .ok_or_else(|| format!("'{part}': expected UNIT until YYYY-MM-DD"))?;
        let day: chrono::NaiveDate = day.trim().parse().map_err(|_| {
            format!(
                "'{part}': '{}' is not a date such as 2026-02-09",
                day.trim()
            )
        })?;
        let unit = find(path.trim()).map_err(|e| format!("'{part}': {e}"))?;
        if let Some((prev_unit, prev_day)) = out.last() {
            if day <= *prev_day {
                return Err(format!(
                    "'{part}': its last day comes on or before the one before ({prev_day})"
                ));
            }
            if *prev_unit == unit {
                return Err(format!("'{part}': the same unit twice in a row"));
            }
        }
        if day >= today {
            return Err(format!("'{part}': a past unit ends before today ({today})"));
        }
        out.push((unit, day));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_read_by_key_or_by_a_common_name() {
        assert_eq!(role_of("sales_ops"), Some(Role::SalesOps));
        assert_eq!(role_of("Sales Rep"), Some(Role::Rep));
        assert_eq!(role_of("销售经理"), Some(Role::Manager));
        assert_eq!(role_of("管理员"), Some(Role::Admin));
        assert_eq!(role_of("boss"), None);
    }

    #[test]
    fn a_history_reads_oldest_first_and_refuses_what_cannot_be() {
        let today: chrono::NaiveDate = "2026-06-30".parse().unwrap();
        let find = |p: &str| match p {
            "North/N1" => Ok(UnitRef::Existing(attain_core::OrgUnitId::from_raw(1))),
            "North/N2" => Ok(UnitRef::Existing(attain_core::OrgUnitId::from_raw(2))),
            other => Err(format!("no unit {other}")),
        };
        let h = parse_history(
            "North/N1 until 2026-01-31; North/N2 until 2026-03-31",
            today,
            find,
        )
        .unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h[1].1, "2026-03-31".parse::<chrono::NaiveDate>().unwrap());
        for (text, says) in [
            ("North/N1", "expected UNIT until YYYY-MM-DD"),
            ("North/N1 until 31.01.2026", "is not a date"),
            ("North/N9 until 2026-01-31", "no unit North/N9"),
            (
                "North/N1 until 2026-03-31; North/N2 until 2026-01-31",
                "on or before the one before",
            ),
            (
                "North/N1 until 2026-01-31; North/N1 until 2026-03-31",
                "the same unit twice",
            ),
            ("North/N1 until 2026-06-30", "before today"),
        ] {
            let err = parse_history(text, today, find).unwrap_err();
            assert!(err.contains(says), "{text}: {err}");
        }
        let long = vec!["North/N1 until 2020-01-01"; 201].join(";");
        assert!(parse_history(&long, today, find).is_err());
    }
}
