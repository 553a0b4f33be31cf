//! Lesson 12's async way downloads with reqwest's async client: the same checks as
//! `picture::download`, and the same whole write. Plain Rust, copied with the lesson
//! (`mod picture_async;`, beside `mod picture;`).

use std::path::PathBuf;

use anyhow::{anyhow, bail};

use super::picture::{
    LARGEST, TIME_LIMIT, is_whole_jpeg, reason, refuse_what_is_not_a_jpeg, without_password,
    write_whole,
};

/// An async HTTP client with the same time limit as `picture::client`'s.
pub fn client() -> anyhow::Result<reqwest::Client> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().timeout(TIME_LIMIT).build();
    client.map_err(|error| anyhow!("cannot build an HTTP client: {}", reason(&error)))
}

/// Downloads `url` into `path`, whole or not at all; returns the bytes saved.
pub async fn download(client: &reqwest::Client, url: &str, path: PathBuf) -> anyhow::Result<usize> {
    let shown = without_password(url);
    let failed = |error: reqwest::Error| anyhow!("{shown}: {}", reason(&error.without_url()));
    // The async client's timeout covers the whole answer, body included.
    let mut response = client
        .get(url)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(failed)?;
    refuse_what_is_not_a_jpeg(&shown, response.headers())?;
    let mut body = Vec::new();
    while let Some(piece) = response.chunk().await.map_err(failed)? {
        body.extend_from_slice(&piece);
        if body.len() as u64 > LARGEST {
            bail!("{shown}: the answer is larger than {LARGEST} bytes");
        }
    }
    if !is_whole_jpeg(&body) {
        bail!("{shown}: {} bytes that are not a whole JPEG", body.len());
    }
    let bytes = body.len();
    // Writing a file blocks: it runs on tokio's threads for blocking work, so that the
    // threads that drive the downloads never wait for the disk.
    tokio::task::spawn_blocking(move || write_whole(&path, &body)).await??;
    Ok(bytes)
}
