//! Imports: the upload, preview and confirmation pages, the people file,
//! and a whole company's files in one zip.

pub(crate) mod company;
pub(crate) mod page;
pub(crate) mod people;

/// A one-step upload form (the people file, the company zip): its file and
/// its two choices.
pub(crate) struct OneStepUpload {
    /// The file's name and bytes.
    pub name: String,
    pub bytes: Vec<u8>,
    /// Create the units the people file names.
    pub create_units: bool,
    /// Write, rather than only check.
    pub write: bool,
}

/// Reads a one-step upload form: a non-empty `file` of at most `limit`
/// bytes (called `default_name` when the browser names none), and the
/// `create_units` and `write` boxes. On a broken, too large or empty
/// upload, the status and the message to show, in the person's language.
pub(crate) async fn one_step_upload(
    multipart: &mut axum::extract::Multipart,
    limit: usize,
    default_name: &str,
    i18n: &crate::http::i18n::I18n,
) -> Result<OneStepUpload, (axum::http::StatusCode, String)> {
    use axum::http::StatusCode;
    let broken = |e: axum::extract::multipart::MultipartError| {
        (
            StatusCode::BAD_REQUEST,
            i18n.t1("import-error-upload", "reason", e.body_text()),
        )
    };
    let mut file: Option<(String, Vec<u8>)> = None;
    let (mut create_units, mut write) = (false, false);
    while let Some(field) = multipart.next_field().await.map_err(broken)? {
        match field.name().unwrap_or_default() {
            "file" => {
                let name = field.file_name().unwrap_or(default_name).to_owned();
                let bytes = field.bytes().await.map_err(broken)?;
                if bytes.len() > limit {
                    return Err((
                        StatusCode::PAYLOAD_TOO_LARGE,
                        i18n.t1(
                            "import-error-too-large",
                            "limit",
                            crate::http::i18n::bytes(limit),
                        ),
                    ));
                }
                file = Some((name, bytes.to_vec()));
            }
            "create_units" => create_units = true,
            "write" => write = true,
            _ => {}
        }
    }
    match file.filter(|(_, b)| !b.is_empty()) {
        Some((name, bytes)) => Ok(OneStepUpload {
            name,
            bytes,
            create_units,
            write,
        }),
        None => Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            i18n.t("import-error-no-file"),
        )),
    }
}
