//! The report page in a real browser: the sample report's folder is
//! written to disk, headless Chromium loads `index.html` from it, and the
//! page's own script reports how many plots have a box and how many errors
//! happened. A screenshot is kept for a person to look at.
//!
//! Without `/usr/bin/chromium` the test still checks the page's structure
//! (inlined SVGs parse, every link resolves to a file of the folder) and
//! says that the browser part was skipped.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use zksim_reports::{render, sample_report, write_report_folder};

const CHROMIUM: &str = "/usr/bin/chromium";
/// Upper bound of one browser run, enforced by coreutils' `timeout`.
const BROWSER_SECONDS: &str = "120";

#[test]
fn the_report_page_renders_in_a_browser() {
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path().join("seed-4242");
    write_report_folder(&sample_report(), &dir).unwrap();
    let html = fs::read_to_string(dir.join("index.html")).unwrap();
    check_structure(&html, &dir);

    if !Path::new(CHROMIUM).exists() {
        println!("browser part skipped: {CHROMIUM} is missing (apt-get install chromium)");
        return;
    }
    let dom = dump_dom(&dir);
    let body = body_tag(&dom);
    assert!(
        body.contains("data-plots=\"4\""),
        "plots not all laid out: {body}"
    );
    assert!(body.contains("data-errors=\"0\""), "page errors: {body}");

    let screenshot = screenshot(&dir);
    let kept = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-screenshot.png");
    fs::copy(&screenshot, &kept).unwrap();
    println!("screenshot of the sample report page: {}", kept.display());
}

/// Inlined SVGs parse as XML, and every link names a file of the folder,
/// and every file of the folder but the page itself is linked.
fn check_structure(html: &str, dir: &Path) {
    let svgs = inline_svgs(html);
    assert_eq!(svgs.len(), 4, "the page inlines the four plots");
    for svg in &svgs {
        let document = roxmltree::Document::parse(svg).expect("an inlined SVG parses");
        assert_eq!(document.root_element().tag_name().name(), "svg");
    }
    let links = hrefs(html);
    for link in &links {
        assert!(dir.join(link).is_file(), "link {link} resolves to no file");
    }
    for (name, _) in render(&sample_report()) {
        if name != "index.html" {
            assert!(links.contains(&name), "{name} is not linked");
        }
    }
    println!(
        "page structure: {} inlined SVGs parse, {} links resolve",
        svgs.len(),
        links.len()
    );
}

fn inline_svgs(html: &str) -> Vec<&str> {
    let mut svgs = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("closed svg") + start + "</svg>".len();
        svgs.push(&rest[start..end]);
        rest = &rest[end..];
    }
    svgs
}

fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .map(|tail| tail[..tail.find('"').unwrap()].to_string())
        .collect()
}

fn body_tag(dom: &str) -> &str {
    let head_end = dom.find("</head>").expect("a head in the dumped DOM");
    let start = dom[head_end..]
        .find("<body")
        .expect("a body in the dumped DOM")
        + head_end;
    let end = dom[start..].find('>').unwrap() + start;
    &dom[start..=end]
}

/// Runs Chromium headless on the page with `extra` arguments, with a fresh
/// profile so no state of an earlier run leaks in.
fn chromium(dir: &Path, extra: &[String]) -> Output {
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}", dir.join("index.html").display());
    let output = Command::new("timeout")
        .arg(BROWSER_SECONDS)
        .arg(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "chromium failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn dump_dom(dir: &Path) -> String {
    let output = chromium(dir, &["--dump-dom".to_string()]);
    String::from_utf8(output.stdout).expect("the DOM is UTF-8")
}

fn screenshot(dir: &Path) -> PathBuf {
    let shots = dir.parent().unwrap().join("shots");
    fs::create_dir_all(&shots).unwrap();
    let path = shots.join("index.png");
    chromium(
        dir,
        &[
            format!("--screenshot={}", path.display()),
            "--window-size=1400,2400".to_string(),
        ],
    );
    let bytes = fs::read(&path).expect("a screenshot was written");
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "the screenshot is a PNG"
    );
    assert!(
        bytes.len() > 50_000,
        "a near-empty screenshot: {} bytes",
        bytes.len()
    );
    path
}
