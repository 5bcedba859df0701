//! The release archive (`cargo xtask dist`) as a self-hoster installs it:
//! unpacked into an empty directory, started with the variables of its
//! example environment file and nothing else, in production, and its systemd
//! unit checked by systemd's own tools.
//!
//! `cargo xtask test` packs the archive from the browser tests' build and
//! runs this target last (`test = false` keeps it out of the workspace's run,
//! which comes before the archive exists). No dependencies, like xtask: a
//! plain HTTP/1.0 client is enough to ask a server for a page.

#![allow(
    clippy::disallowed_methods,
    reason = "no async runtime here: the test's thread waits for the server"
)]

use std::{
    collections::BTreeMap,
    io::{Read as _, Write as _},
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Duration,
};

const ARCHIVE_VAR: &str = "BOOKMATE_TEST_DIST_ARCHIVE";

/// The archive `cargo xtask test` packed.
fn archive() -> PathBuf {
    let path = std::env::var_os(ARCHIVE_VAR).unwrap_or_else(|| {
        panic!("{ARCHIVE_VAR} is not set: run `cargo xtask test`, which packs the archive before this test")
    });
    PathBuf::from(path)
}

/// An empty directory of the test's own, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(purpose: &str) -> Self {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
        let path = std::env::temp_dir().join(format!("bookmate-{purpose}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Unpacks the archive into `into`; returns its one top-level folder.
fn unpack(into: &Path) -> PathBuf {
    let unpacked = Command::new("tar").arg("-xzf").arg(archive()).arg("-C").arg(into).status().unwrap();
    assert!(unpacked.success(), "tar could not unpack {}", archive().display());
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(into).unwrap().map(|entry| entry.unwrap().path()).collect();
    assert_eq!(entries.len(), 1, "one folder at the top: {entries:?}");
    entries.remove(0)
}

/// The `NAME=value` lines of an environment file, comments left out.
fn variables(file: &str) -> BTreeMap<String, String> {
    file.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (name, value) = line.split_once('=').unwrap_or_else(|| panic!("not NAME=value: {line}"));
            (name.to_owned(), value.to_owned())
        })
        .collect()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }
}

/// `GET path` over HTTP/1.0: the server closes the connection after a whole,
/// unchunked, uncompressed body.
fn get(port: u16, path: &str) -> std::io::Result<Answer> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n")?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status =
        lines.next().and_then(|line| line.split(' ').nth(1)).and_then(|code| code.parse().ok()).unwrap_or(0);
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    Ok(Answer { status, headers, body: body.to_owned() })
}

/// Kills the started server when the test ends, however it ends.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_archive_unpacked_anywhere_serves_in_production_with_its_example_environment_alone() {
    let install = TempDir::new("install");
    let release = unpack(&install.0);
    for file in ["bookmate", "hash.txt", "bookmate.env", "bookmate.service", "README.md", "site/pkg"] {
        assert!(release.join(file).exists(), "the archive holds {file}");
    }

    // Every variable the example file sets is one the README explains.
    let example = variables(&std::fs::read_to_string(release.join("bookmate.env")).unwrap());
    let readme = std::fs::read_to_string(release.join("README.md")).unwrap();
    for name in example.keys() {
        assert!(readme.contains(&format!("`{name}`")), "the README explains {name}");
    }

    // The operator's values for this machine, for those same variables only.
    let data = TempDir::new("data");
    let port = free_port();
    let filled = [
        ("BOOKMATE_PUBLIC_URL", "https://book.example.test".to_owned()),
        ("BOOKMATE_BIND_ADDR", format!("127.0.0.1:{port}")),
        ("BOOKMATE_DATA_DIR", data.0.display().to_string()),
        ("DATABASE_URL", format!("sqlite://{}/bookmate.db", data.0.display())),
        ("GOOGLE_CLIENT_ID", "id.apps.googleusercontent.com".to_owned()),
        ("GOOGLE_CLIENT_SECRET", "secret".to_owned()),
        ("SMTP_URL", "smtp://127.0.0.1:9".to_owned()),
        ("LEPTOS_SITE_ROOT", release.join("site").display().to_string()),
    ];
    let mut environment = example.clone();
    for (name, value) in filled {
        assert!(example.contains_key(name), "the example file names {name}");
        environment.insert(name.to_owned(), value);
    }
    let elsewhere = TempDir::new("cwd");
    let log = data.0.join("server.log");
    let log_file = std::fs::File::create(&log).unwrap();
    let _server = Running(
        Command::new(release.join("bookmate"))
            .env_clear()
            .envs(&environment)
            .current_dir(&elsewhere.0)
            .stdout(Stdio::from(log_file.try_clone().unwrap()))
            .stderr(Stdio::from(log_file))
            .spawn()
            .expect("the binary starts"),
    );
    let ready = (0..300).any(|_| {
        let answered = get(port, "/readyz").is_ok_and(|answer| answer.status == 200);
        if !answered {
            std::thread::sleep(Duration::from_millis(100));
        }
        answered
    });
    assert!(ready, "the server did not become ready:\n{}", std::fs::read_to_string(&log).unwrap_or_default());

    // The page links its files by their hashed names, and each is served.
    let page = get(port, "/").unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    let linked: Vec<&str> = page
        .body
        .split('"')
        .filter(|part| part.starts_with("/pkg/bookmate.") && part.split('.').count() == 3)
        .collect();
    for kind in [".css", ".js", ".wasm"] {
        assert!(linked.iter().any(|path| path.ends_with(kind)), "a hashed {kind} in {}", page.body);
    }
    for path in linked {
        let file = get(port, path).unwrap();
        assert_eq!(file.status, 200, "{path}");
        assert_eq!(file.header("cache-control"), Some("public, max-age=31536000, immutable"), "{path}");
    }
    assert!(data.0.join("secret_key").exists(), "the secret key was generated into the data directory");
}

#[test]
fn the_systemd_unit_passes_systemds_checks_and_is_confined() {
    let install = TempDir::new("unit");
    let release = unpack(&install.0);
    // The unit as installed, pointing at this unpacked copy.
    let unit = std::fs::read_to_string(release.join("bookmate.service"))
        .unwrap()
        .replace("/etc/bookmate/bookmate.env", &release.join("bookmate.env").display().to_string())
        .replace("/opt/bookmate", &release.display().to_string());
    for directive in ["DynamicUser=yes", "ProtectSystem=strict", "NoNewPrivileges=yes"] {
        assert!(unit.lines().any(|line| line == directive), "{directive}");
    }
    let unit_path = install.0.join("bookmate.service");
    std::fs::write(&unit_path, unit).unwrap();

    let verify =
        Command::new("systemd-analyze").arg("verify").arg(&unit_path).output().expect("systemd-analyze runs");
    let complaints = String::from_utf8_lossy(&verify.stderr);
    assert!(verify.status.success() && complaints.trim().is_empty(), "systemd-analyze verify: {complaints}");

    // Exposure on systemd's scale from 0 (confined) to 10 (unconfined);
    // the threshold is in tenths.
    let security = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--threshold=20"])
        .arg(&unit_path)
        .output()
        .expect("systemd-analyze runs");
    let report = String::from_utf8_lossy(&security.stdout);
    assert!(security.status.success(), "exposure above 2.0:\n{report}");
}
