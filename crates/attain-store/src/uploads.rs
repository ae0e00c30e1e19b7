//! Files uploaded for import in the web UI, held in the database between
//! the dry run and the confirmation so that any instance can finish the job.

use std::collections::BTreeMap;

use attain_core::UserId;
use chrono::{DateTime, Duration, Utc};

use crate::BeginWrite as _;
use crate::{Store, StoreError, StoreResult, on_pool};

/// An uploaded file waiting to be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// ID, used in the page's URL.
    pub id: i64,
    /// Who uploaded it: only he may see or import it.
    pub user: UserId,
    /// When.
    pub created_at: DateTime<Utc>,
    /// File name as uploaded.
    pub file_name: String,
    /// Entity key (`deals`, `orders`, …).
    pub entity: String,
    /// Preset key.
    pub preset: String,
    /// Create owners nobody matches.
    pub create_missing_owners: bool,
    /// Field → header chosen in the preview ("" = not in this file).
    pub columns: BTreeMap<String, String>,
    /// The file.
    pub bytes: Vec<u8>,
}

/// Files one person may have waiting at once: each may be as large as the
/// upload limit, and they are kept in the database until imported.
pub const MAX_WAITING: i64 = 5;

/// Uploads older than this are deleted when the next one arrives.
const KEEP_HOURS: i64 = 24;

type UploadRow = (
    i64,
    i64,
    DateTime<Utc>,
    String,
    String,
    String,
    bool,
    String,
    Vec<u8>,
);

impl Store {
    /// Keeps an uploaded file for its owner; returns its ID. Uploads older
    /// than a day are dropped on the way.
    pub async fn save_upload(&self, upload: &Upload) -> StoreResult<i64> {
        let now = Utc::now();
        let columns = serde_json::to_string(&upload.columns)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM import_uploads WHERE created_at < $1")
                .bind(now - Duration::hours(KEEP_HOURS))
                .execute(&mut *tx)
                .await?;
            let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM import_uploads WHERE user_id = $1")
                .bind(upload.user.raw())
                .fetch_one(&mut *tx)
                .await?;
            if waiting >= MAX_WAITING {
                return Err(StoreError::Conflict(format!(
                    "{waiting} of your files are waiting to be imported, the most one person may have: import or discard one first"
                )));
            }
            let id: i64 = sqlx::query_scalar("INSERT INTO import_uploads (user_id, created_at, file_name, entity, preset, create_missing_owners, columns_json, bytes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                .bind(upload.user.raw())
                .bind(now)
                .bind(&upload.file_name)
                .bind(&upload.entity)
                .bind(&upload.preset)
                .bind(upload.create_missing_owners)
                .bind(&columns)
                .bind(&upload.bytes)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// An upload of `user`; someone else's is `NotFound`, like a missing one.
    pub async fn upload_of(&self, user: UserId, id: i64) -> StoreResult<Upload> {
        let row: Option<UploadRow> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, user_id, created_at, file_name, entity, preset, create_missing_owners, columns_json, bytes FROM import_uploads WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user.raw())
                .fetch_optional(pool)
                .await?
        });
        let (
            id,
            user,
            created_at,
            file_name,
            entity,
            preset,
            create_missing_owners,
            columns,
            bytes,
        ) = row.ok_or_else(|| StoreError::NotFound {
            entity: "upload",
            id: id.to_string(),
        })?;
        Ok(Upload {
            id,
            user: UserId::from_raw(user),
            created_at,
            file_name,
            entity,
            preset,
            create_missing_owners,
            columns: serde_json::from_str(&columns)
                .map_err(|e| StoreError::Corrupt(format!("upload {id} columns: {e}")))?,
            bytes,
        })
    }

    /// Records the column choices and the owner option of an upload.
    pub async fn set_upload_choices(
        &self,
        user: UserId,
        id: i64,
        columns: &BTreeMap<String, String>,
        create_missing_owners: bool,
    ) -> StoreResult<()> {
        let json =
            serde_json::to_string(columns).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let done = on_pool!(self, pool => {
            sqlx::query("UPDATE import_uploads SET columns_json = $1, create_missing_owners = $2 WHERE id = $3 AND user_id = $4")
                .bind(&json)
                .bind(create_missing_owners)
                .bind(id)
                .bind(user.raw())
                .execute(pool)
                .await?
                .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::NotFound {
                entity: "upload",
                id: id.to_string(),
            });
        }
        Ok(())
    }

    /// Forgets an upload (after its import, or when abandoned).
    pub async fn delete_upload(&self, user: UserId, id: i64) -> StoreResult<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM import_uploads WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user.raw())
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
