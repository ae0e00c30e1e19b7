//! A whole company's files at once (`attain import all DIR`): every file of
//! a folder, named by what it holds (`people.csv`, `customers.csv`,
//! `deals.xlsx`, …), imported in dependency order inside one transaction,
//! with one report. Each file sees what the files before it wrote (a deals
//! file finds the owners of the people file and the customers of the
//! customers file), and either every file is stored or none is.

use attain_app::goals::By;
use attain_app::{AppError, AppResult};
use attain_core::{Clock, ImportProblem};
use attain_store::{Actor, Batch, Store};

use crate::people::{PeopleOptions, PeopleReport, import_people};
use crate::{Entity, ImportOptions, ImportReport, Mapping, Preset};

/// What one file of the folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// The company's people (see [`crate::people`]).
    People,
    /// Records of one entity.
    Records(Entity),
}

impl Content {
    /// Everything a folder may hold, in the order it is imported: people
    /// first (they own everything), exchange rates next (amounts in another
    /// currency are converted by them, and they name nothing), then
    /// [`Entity::ALL`]'s order, where every entity comes after those it
    /// names.
    pub fn all() -> impl Iterator<Item = Content> {
        [Content::People, Content::Records(Entity::ExchangeRates)]
            .into_iter()
            .chain(
                Entity::ALL
                    .into_iter()
                    .filter(|e| *e != Entity::ExchangeRates)
                    .map(Content::Records),
            )
    }

    /// The name of its file without extension (`people`, `market-sizes`).
    pub fn key(self) -> &'static str {
        match self {
            Content::People => "people",
            Content::Records(entity) => entity.key(),
        }
    }

    /// What a file called `name` holds, by its name without extension:
    /// an entity's key or one of its other CRMs' names (`accounts`,
    /// `opportunities`), `people` (or `users`, `staff`, `employees`); `_`
    /// and `-` alike, any case.
    pub fn of_file_name(name: &str) -> Result<Content, String> {
        let stem = stem_of(name).trim().to_lowercase().replace('_', "-");
        match stem.as_str() {
            "people" | "users" | "staff" | "employees" => Ok(Content::People),
            other => other.parse().map(Content::Records).map_err(|_| {
                let names: Vec<&str> = Content::all().map(Content::key).collect();
                format!(
                    "Attain does not know what this file holds: name it after one of {} (with .csv or .xlsx)",
                    names.join(", ")
                )
            }),
        }
    }

    fn rank(self) -> usize {
        Content::all().position(|c| c == self).unwrap_or(usize::MAX)
    }
}

/// Whether a file of a folder or zip is one a computer left there rather
/// than the company's (hidden files, Windows' thumbnails and folder
/// settings, Office's lock files, macOS's copies): not read, and a note
/// says so.
pub fn is_system_file(name: &str) -> bool {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.starts_with('.')
        || base.starts_with("~$")
        || base.eq_ignore_ascii_case("thumbs.db")
        || base.eq_ignore_ascii_case("desktop.ini")
        || name.split('/').any(|part| part == "__MACOSX")
}

/// The file extensions a folder's data files may have.
pub const DATA_EXTENSIONS: [&str; 4] = ["csv", "tsv", "txt", "xlsx"];

fn stem_of(name: &str) -> &str {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.rsplit_once('.').map_or(base, |(stem, _)| stem)
}

fn extension_of(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.rsplit_once('.').map(|(_, ext)| ext.to_lowercase())
}

/// The most files a zip of a company may hold.
pub const MAX_ZIP_FILES: usize = 100;

/// The files of a zip of a company's folder (the upload page's): its data
/// files and its mapping files (`.toml`) by name, and a note for each entry
/// not read (folders, hidden files, macOS's `__MACOSX` copies). Each file
/// is read up to `limit` bytes unpacked and all together up to four times
/// that, so a small zip cannot unpack into more than the server takes.
#[allow(clippy::type_complexity)]
pub fn read_zip(
    name: &str,
    bytes: &[u8],
    limit: usize,
) -> AppResult<(Vec<(String, Vec<u8>)>, Vec<(String, String)>, Vec<String>)> {
    use std::io::Read;
    let refuse = |message: String| {
        AppError::Import(vec![ImportProblem {
            file: name.to_owned(),
            row: 0,
            column: None,
            message,
            value: None,
        }])
    };
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| refuse(format!("not a readable zip file: {e}")))?;
    if zip.len() > MAX_ZIP_FILES * 4 {
        return Err(refuse(format!(
            "holds {} entries; a company's zip holds at most {MAX_ZIP_FILES} files",
            zip.len()
        )));
    }
    let total_limit = limit.saturating_mul(4);
    let mut total = 0_usize;
    let (mut data, mut mappings, mut notes) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| refuse(format!("not a readable zip file: {e}")))?;
        let path = entry
            .name()
            .map_err(|e| refuse(format!("an entry's name cannot be read: {e}")))?
            .into_owned();
        let base = path.rsplit('/').next().unwrap_or(&path).to_owned();
        if entry.is_dir() {
            continue;
        }
        if is_system_file(&path) {
            notes.push(format!("{path}: a hidden or system file, not read"));
            continue;
        }
        if data.len() + mappings.len() >= MAX_ZIP_FILES {
            return Err(refuse(format!("holds more than {MAX_ZIP_FILES} files")));
        }
        let mut content = Vec::new();
        let room = limit.min(total_limit.saturating_sub(total));
        (&mut entry)
            .take(u64::try_from(room).unwrap_or(u64::MAX).saturating_add(1))
            .read_to_end(&mut content)
            .map_err(|e| refuse(format!("{path}: cannot be unpacked: {e}")))?;
        if content.len() > room {
            return Err(refuse(format!(
                "{path}: unpacks to more than this server takes ({} bytes per file, {} in all)",
                limit, total_limit
            )));
        }
        total += content.len();
        let shown = format!("{name}/{path}");
        if base.to_lowercase().ends_with(".toml") {
            let text = String::from_utf8(content)
                .map_err(|_| refuse(format!("{path}: a mapping file must be UTF-8 text")))?;
            mappings.push((shown, text));
        } else {
            data.push((shown, content));
        }
    }
    Ok((data, mappings, notes))
}

/// One file of the folder, with the mapping that reads it.
#[derive(Debug, Clone)]
pub struct CompanyFile {
    /// Its name as given (what problems name).
    pub name: String,
    /// What it holds.
    pub content: Content,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Its mapping file's, or none.
    pub mapping: Mapping,
}

/// The files of a folder in the order they are imported. `files` are the
/// data files (name, bytes); `mappings` the mapping files (name, text),
/// each read for the data file of the same name without extension (or of
/// the same content: `accounts.toml` for `customers.csv`). Refused with a
/// problem per file: a file whose name says nothing Attain imports, one
/// that is no CSV or XLSX, two files of one content, a mapping for no
/// file, a mapping that does not parse.
pub fn plan(
    files: Vec<(String, Vec<u8>)>,
    mappings: Vec<(String, String)>,
) -> AppResult<Vec<CompanyFile>> {
    let mut problems = Vec::new();
    let problem = |file: &str, message: String| ImportProblem {
        file: file.to_owned(),
        row: 0,
        column: None,
        message,
        value: None,
    };
    let mut planned: Vec<CompanyFile> = Vec::new();
    for (name, bytes) in files {
        let extension = extension_of(&name).unwrap_or_default();
        if !DATA_EXTENSIONS.contains(&extension.as_str()) {
            problems.push(problem(
                &name,
                format!(
                    "not a data file Attain reads: a folder holds {} files (and mapping files in --mapping-dir)",
                    DATA_EXTENSIONS.join(", ")
                ),
            ));
            continue;
        }
        match Content::of_file_name(&name) {
            Ok(content) => {
                if let Some(other) = planned.iter().find(|f| f.content == content) {
                    problems.push(problem(
                        &name,
                        format!(
                            "holds {} like {}: a folder has one file of each",
                            content.key(),
                            other.name
                        ),
                    ));
                } else {
                    planned.push(CompanyFile {
                        name,
                        content,
                        bytes,
                        mapping: Mapping::default(),
                    });
                }
            }
            Err(message) => problems.push(problem(&name, message)),
        }
    }
    // Which data file each mapping read, to refuse a second one.
    let mut mapped: Vec<(String, String)> = Vec::new();
    for (name, text) in mappings {
        let stem = stem_of(&name).to_lowercase();
        let content = Content::of_file_name(&name).ok();
        let target = planned
            .iter_mut()
            .find(|f| stem_of(&f.name).to_lowercase() == stem || content == Some(f.content));
        match target {
            None => problems.push(problem(
                &name,
                "a mapping for no file of the folder: name it like the file it reads (deals.toml for deals.csv)".into(),
            )),
            Some(file) => {
                if let Some(first) = mapped.iter().find(|(f, _)| *f == file.name) {
                    problems.push(problem(
                        &name,
                        format!("a second mapping for {}, which {} maps already: keep one", file.name, first.1),
                    ));
                    continue;
                }
                mapped.push((file.name.clone(), name.clone()));
                match Mapping::parse(&name, &text) {
                    Ok(mapping) => file.mapping = mapping,
                    Err(p) => problems.push(p),
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Import(problems));
    }
    if planned.is_empty() {
        return Err(AppError::Invalid(
            "the folder holds no data file: name files after what they hold (people.csv, customers.csv, deals.xlsx, …)".into(),
        ));
    }
    planned.sort_by_key(|f| f.content.rank());
    Ok(planned)
}

/// How a folder is imported.
#[derive(Debug, Clone)]
pub struct FolderOptions {
    /// Whose export layout the files are in (a mapping refines it per file).
    pub preset: Preset,
    /// Check everything (each file against the ones before it), write
    /// nothing.
    pub dry_run: bool,
    /// Create owners nobody here matches, as reps in an `Imported` unit.
    pub create_missing_owners: bool,
    /// Create the units the people file names that do not exist.
    pub create_units: bool,
    /// Where "today" comes from.
    pub clock: Clock,
    /// Who imports, for the audit log.
    pub actor: Option<Actor>,
    /// The most new people the people file may add (the web's bound).
    pub max_new_people: Option<usize>,
}

/// What one file did.
#[derive(Debug, Clone)]
pub enum FileReport {
    /// The people file's report.
    People(PeopleReport),
    /// A records file's report.
    Records(ImportReport),
}

/// One file's name, content and report.
#[derive(Debug, Clone)]
pub struct FileDone {
    /// The file's name.
    pub name: String,
    /// What it held.
    pub content: Content,
    /// What it did.
    pub report: FileReport,
}

/// What a folder did, file by file, in the order they were imported.
#[derive(Debug, Clone, Default)]
pub struct FolderReport {
    /// Each file.
    pub files: Vec<FileDone>,
    /// Whether nothing was written.
    pub dry_run: bool,
    /// What the folder did beyond its files (the company unit it created).
    pub notes: Vec<String>,
}

impl FolderReport {
    /// The people file's report, if the folder had one.
    pub fn people(&self) -> Option<&PeopleReport> {
        self.files.iter().find_map(|f| match &f.report {
            FileReport::People(p) => Some(p),
            FileReport::Records(_) => None,
        })
    }
}

/// Why a folder was not imported: the file that failed (none when the
/// folder as a whole was refused), its error, and the files after it that
/// were not checked because they may name what it holds.
#[derive(Debug)]
pub struct FolderError {
    /// The file that failed.
    pub file: Option<String>,
    /// Its error.
    pub error: AppError,
    /// The files after it, not checked.
    pub unchecked: Vec<String>,
}

impl std::fmt::Display for FolderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{file}: {}", self.error)?,
            None => write!(f, "{}", self.error)?,
        }
        if !self.unchecked.is_empty() {
            write!(f, "; not checked: {}", self.unchecked.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for FolderError {}

impl From<AppError> for FolderError {
    fn from(error: AppError) -> Self {
        Self {
            file: None,
            error,
            unchecked: Vec::new(),
        }
    }
}

/// A folder imported inside its batch, not yet committed: the caller
/// commits it (after keeping the new people's one-time passwords) or
/// rolls it back (a dry run, or passwords it cannot keep).
#[derive(Debug)]
pub struct Staged {
    batch: Batch,
    dry_run: bool,
    /// What the folder did.
    pub report: FolderReport,
}

impl Staged {
    /// Stores every file at once (a dry run is refused: it only rolls back).
    pub async fn commit(self) -> AppResult<FolderReport> {
        if self.dry_run {
            self.batch.rollback().await?;
            return Err(AppError::Invalid(
                "a dry run stores nothing: run the folder again without --dry-run".into(),
            ));
        }
        self.batch.store().checkpoint("import-all:before-commit");
        self.batch.commit().await?;
        Ok(self.report)
    }

    /// Stores nothing.
    pub async fn rollback(self) -> AppResult<FolderReport> {
        self.batch.rollback().await?;
        Ok(self.report)
    }
}

/// Imports `files` (in [`plan`]'s order) inside one batch and returns it
/// staged; the first file with a problem stops it, and nothing is stored.
/// People are imported as `by` may ([`crate::people`]: administrators and
/// the shell), records as sales ops and administrators may.
pub async fn import_folder(
    store: &Store,
    by: By<'_>,
    files: Vec<CompanyFile>,
    options: &FolderOptions,
) -> Result<Staged, FolderError> {
    if let By::Person(p) = by {
        crate::may_import(p)?;
    }
    let batch = store.begin_batch().await.map_err(AppError::from)?;
    let inside = batch.store().clone();
    let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
    let mut report = FolderReport {
        files: Vec::with_capacity(files.len()),
        dry_run: options.dry_run,
        notes: Vec::new(),
    };
    // A new database has no org chart: a people file that may create units
    // starts it with the company, named by the settings.
    let has_people = files.iter().any(|f| f.content == Content::People);
    if has_people && options.create_units {
        let started = start_company(&inside, options).await;
        match started {
            Ok(Some(name)) => report.notes.push(format!(
                "the organisation had no org chart: the company unit {name} was created"
            )),
            Ok(None) => {}
            Err(error) => {
                let _ = batch.rollback().await;
                return Err(error.into());
            }
        }
    }
    for (i, file) in files.into_iter().enumerate() {
        let done = import_one(&inside, by, &file, options).await;
        match done {
            Ok(mut one) => {
                if let FileReport::Records(r) = &mut one {
                    r.dry_run = options.dry_run;
                }
                if let FileReport::People(p) = &mut one {
                    p.dry_run = options.dry_run;
                }
                report.files.push(FileDone {
                    name: file.name,
                    content: file.content,
                    report: one,
                });
            }
            Err(error) => {
                // Dropping the batch would roll back too; say so plainly.
                let _ = batch.rollback().await;
                return Err(FolderError {
                    file: Some(file.name),
                    error,
                    unchecked: names.into_iter().skip(i + 1).collect(),
                });
            }
        }
    }
    Ok(Staged {
        batch,
        dry_run: options.dry_run,
        report,
    })
}

/// Creates the company unit, named by the settings, when there is no unit
/// at all; returns its name then.
async fn start_company(store: &Store, options: &FolderOptions) -> AppResult<Option<String>> {
    if !store.org_units().await?.is_empty() {
        return Ok(None);
    }
    let name = store.settings().await?.name;
    let actor = options
        .actor
        .clone()
        .unwrap_or_else(|| Actor::named("import"));
    store
        .create_org_unit_audited(
            &actor,
            &attain_store::NewOrgUnit {
                parent: None,
                name: name.clone(),
                kind: attain_core::OrgUnitKind::Company,
                external_id: None,
            },
        )
        .await?;
    Ok(Some(name))
}

async fn import_one(
    store: &Store,
    by: By<'_>,
    file: &CompanyFile,
    options: &FolderOptions,
) -> AppResult<FileReport> {
    match file.content {
        Content::People => {
            let people = PeopleOptions {
                create_units: options.create_units,
                dry_run: false,
                mapping: file.mapping.clone(),
                clock: options.clock,
                max_new: options.max_new_people,
            };
            import_people(store, by, &file.name, &file.bytes, &people)
                .await
                .map(FileReport::People)
        }
        Content::Records(entity) => {
            let records = ImportOptions {
                preset: options.preset,
                mapping: file.mapping.clone(),
                dry_run: false,
                create_missing_owners: options.create_missing_owners,
                actor: options.actor.clone(),
                audit_each_record: false,
                clock: options.clock,
            };
            let on_step = |step: crate::ImportStep| {
                if let crate::ImportStep::Wrote(_) = step {
                    store.checkpoint("import:rows-written");
                }
            };
            crate::import(store, entity, &file.name, &file.bytes, &records, &on_step)
                .await
                .map(FileReport::Records)
        }
    }
}
