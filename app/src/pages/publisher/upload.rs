//! Sending a (possibly large) document to the REST API from the browser, reporting the
//! upload's progress — server functions cannot — and reading the answer as the created
//! resource or as a problem+json error.

use crate::errors::AppError;

/// Where a long-running submission is.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))] // the browser drives it
pub enum Phase {
    /// Nothing sent yet (or the last attempt is forgotten).
    #[default]
    Idle,
    /// Reading a local file.
    Reading,
    /// Bytes on the way: `sent` of `total`.
    Sending { sent: f64, total: f64 },
    /// Everything sent; the server is working.
    Processing,
    /// The server refused or the connection failed.
    Failed(AppError),
}

impl Phase {
    /// Whether a submission is under way.
    pub fn busy(&self) -> bool {
        matches!(self, Phase::Reading | Phase::Sending { .. } | Phase::Processing)
    }

    /// The error of a failed submission.
    pub fn error(&self) -> Option<AppError> {
        match self {
            Phase::Failed(e) => Some(e.clone()),
            _ => None,
        }
    }
}

/// The body of a problem+json answer.
#[cfg(feature = "hydrate")]
#[derive(serde::Deserialize)]
struct Problem {
    detail: String,
    code: String,
    #[serde(default)]
    errors: Vec<crate::errors::FieldProblem>,
}

/// The error an answer with `status` and `body` stands for.
#[cfg(feature = "hydrate")]
pub fn problem_error(status: u16, body: &str) -> AppError {
    match serde_json::from_str::<Problem>(body) {
        Ok(problem) if !problem.errors.is_empty() => AppError::Invalid(problem.errors),
        Ok(problem) => AppError::Refused { code: problem.code, message: problem.detail },
        Err(_) => AppError::Failed(format!("the server answered HTTP {status}")),
    }
}

/// The text of a file the user picked.
#[cfg(feature = "hydrate")]
pub async fn read_file(file: web_sys::File) -> Result<String, AppError> {
    wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| AppError::Failed("the file could not be read as text".into()))
}

/// POSTs `body` (JSON) to `url` with the session's CSRF token. `progress` hears
/// `(sent, total)` while it uploads; `done` gets the answer's body or its error. An
/// error here means nothing was sent (and `done` will not be called).
#[cfg(feature = "hydrate")]
pub fn post_json(
    url: &str,
    body: &str,
    csrf_token: &str,
    progress: impl Fn(f64, f64) + 'static,
    done: impl FnOnce(Result<String, AppError>) + 'static,
) -> Result<(), AppError> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    let failed = |e: wasm_bindgen::JsValue| AppError::Failed(format!("the request could not be sent: {e:?}"));
    let xhr = web_sys::XmlHttpRequest::new().map_err(failed)?;
    xhr.open("POST", url).map_err(failed)?;
    for (name, value) in
        [("content-type", "application/json"), ("accept", "application/json"), ("x-csrf-token", csrf_token)]
    {
        xhr.set_request_header(name, value).map_err(failed)?;
    }
    let on_progress = Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
        progress(e.loaded(), e.total());
    });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    let answered = xhr.clone();
    // Runs once when the request ends, however it ends, and frees the progress handler.
    let on_end = Closure::once_into_js(move || {
        drop(on_progress);
        let status = answered.status().unwrap_or(0);
        let text = answered.response_text().ok().flatten().unwrap_or_default();
        done(match status {
            0 => Err(AppError::Failed("the connection was interrupted".into())),
            200..=299 => Ok(text),
            _ => Err(problem_error(status, &text)),
        });
    });
    xhr.set_onloadend(Some(on_end.unchecked_ref()));
    xhr.send_with_opt_str(Some(body)).map_err(failed)
}
