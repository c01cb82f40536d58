//! Writing a report folder atomically: readers (a CI artifact upload, a
//! browser, `zksim shrink`) see either the previous folder or the whole new
//! one, never a folder with some files missing or cut short.

use super::render;
use crate::report::FailureReport;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

/// Writes `render(report)` into `dir`: all files go into a temporary
/// sibling directory, are fsynced, and the directory is renamed to `dir`
/// (an existing `dir` is first renamed away, then removed).
pub fn write_report_folder(report: &FailureReport, dir: &Path) -> io::Result<()> {
    write_folder(&render(report), dir)
}

/// The atomic write of any `files` (plain file names only) into `dir`.
pub(crate) fn write_folder(files: &[(String, Vec<u8>)], dir: &Path) -> io::Result<()> {
    let (parent, name) = split(dir)?;
    fs::create_dir_all(&parent)?;
    let staging = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    remove_if_present(&staging)?;
    fs::create_dir(&staging)?;
    if let Err(error) = fill(&staging, files) {
        let _ = fs::remove_dir_all(&staging);
        return Err(error);
    }
    if let Err(error) = replace(&staging, dir, &parent, &name) {
        let _ = fs::remove_dir_all(&staging);
        return Err(error);
    }
    sync_dir(&parent)
}

/// `dir`'s parent (the current directory if it has none) and its name.
fn split(dir: &Path) -> io::Result<(PathBuf, String)> {
    let name = match dir.components().next_back() {
        Some(Component::Normal(name)) => name.to_string_lossy().into_owned(),
        _ => {
            let message = format!("not a folder name: {}", dir.display());
            return Err(io::Error::new(io::ErrorKind::InvalidInput, message));
        }
    };
    let parent = match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name))
}

/// Writes and fsyncs every file, then the directory that lists them.
fn fill(staging: &Path, files: &[(String, Vec<u8>)]) -> io::Result<()> {
    for (name, contents) in files {
        let mut components = Path::new(name).components();
        let plain = matches!(
            (components.next(), components.next()),
            (Some(Component::Normal(_)), None)
        );
        if !plain {
            let message = format!("not a plain file name: {name:?}");
            return Err(io::Error::new(io::ErrorKind::InvalidInput, message));
        }
        let mut file = File::create(staging.join(name))?;
        file.write_all(contents)?;
        file.sync_all()?;
    }
    sync_dir(staging)
}

/// Puts `staging` in `dir`'s place. An existing `dir` is moved aside first
/// and put back if the final rename fails.
fn replace(staging: &Path, dir: &Path, parent: &Path, name: &str) -> io::Result<()> {
    if fs::symlink_metadata(dir).is_err() {
        return fs::rename(staging, dir);
    }
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    remove_if_present(&old)?;
    fs::rename(dir, &old)?;
    if let Err(error) = fs::rename(staging, dir) {
        let _ = fs::rename(&old, dir);
        return Err(error);
    }
    remove_if_present(&old)
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error),
    }
}

/// Makes a directory's entries durable (a no-op where directories cannot
/// be opened as files).
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample_report;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_every_rendered_file_and_leaves_nothing_else() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("seed-7");
        let report = sample_report();
        write_report_folder(&report, &dir).unwrap();
        let rendered = render(&report);
        let mut expected: Vec<String> = rendered.iter().map(|(n, _)| n.clone()).collect();
        expected.sort();
        assert_eq!(entries(&dir), expected);
        for (name, contents) in &rendered {
            assert_eq!(&fs::read(dir.join(name)).unwrap(), contents, "{name}");
        }
        assert_eq!(entries(parent.path()), vec!["seed-7".to_string()]);
    }

    #[test]
    fn replaces_an_existing_folder_whole() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("report");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("stale.txt"), "from an older run").unwrap();
        fs::write(dir.join("index.html"), "old").unwrap();
        write_report_folder(&sample_report(), &dir).unwrap();
        assert!(!dir.join("stale.txt").exists());
        assert_ne!(fs::read(dir.join("index.html")).unwrap(), b"old");
        assert_eq!(entries(parent.path()), vec!["report".to_string()]);
    }

    #[test]
    fn a_failed_write_keeps_the_old_folder_and_no_staging() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("report");
        let first = vec![("a.txt".to_string(), b"first".to_vec())];
        write_folder(&first, &dir).unwrap();
        let broken = vec![
            ("a.txt".to_string(), b"second".to_vec()),
            ("../escape.txt".to_string(), b"never".to_vec()),
        ];
        let error = write_folder(&broken, &dir).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(fs::read(dir.join("a.txt")).unwrap(), b"first");
        assert_eq!(entries(parent.path()), vec!["report".to_string()]);
    }

    #[test]
    fn creates_missing_parents_and_rejects_nameless_paths() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("a/b/report");
        write_folder(&[("x".to_string(), vec![1])], &dir).unwrap();
        assert_eq!(fs::read(dir.join("x")).unwrap(), vec![1]);
        let error = write_folder(&[], Path::new("/")).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        let error = write_folder(&[], &parent.path().join("..")).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    }
}
