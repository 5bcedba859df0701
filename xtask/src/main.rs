//! `cargo xtask`: BookMate's two commands, and the set-up they share.
//!
//! `cargo xtask run` starts BookMate on its embedded defaults; `cargo xtask
//! test` runs every test. Each first installs what it needs, idempotently,
//! saying in one line per tool what it found or did. No dependencies, so it
//! builds in seconds on a fresh machine.

#![allow(clippy::disallowed_methods, reason = "a build tool reads its environment freely")]

mod dist;

use std::{
    env,
    ffi::OsString,
    io::{BufRead as _, BufReader},
    path::{Path, PathBuf},
    process::{Command, ExitCode, Stdio},
    time::Instant,
};

const CARGO_LEPTOS_VERSION: &str = "0.3.10";
const WASM32: &str = "wasm32-unknown-unknown";
const CHROMIUM: &str = "/usr/bin/chromium";
const TEST_POSTGRES_URL_VAR: &str = "BOOKMATE_TEST_POSTGRES_URL";
const TEST_POSTGRES_ROLE: &str = "bookmate";
const TEST_ARCHIVE_VAR: &str = "BOOKMATE_TEST_DIST_ARCHIVE";

type Result<T = (), E = String> = std::result::Result<T, E>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("run") => run(args.iter().any(|arg| arg == "--release")),
        Some("test") => test(),
        Some("dist") => {
            setup(Needs { browser_tests: false, postgres: false }).and_then(|()| dist::dist()).map(drop)
        }
        Some("setup") => setup(Needs::everything()),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n\
                 run [--release]  install what is missing, then start BookMate on http://127.0.0.1:3000\n\
                 test             install what is missing, then run every test (fmt, clippy, unit,\n\
                 \x20                integration on SQLite and PostgreSQL, browser tests in Chromium)\n\
                 dist             build the release archive a self-hoster installs (target/dist/)\n\
                 setup            only install what is missing"
            );
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::FAILURE
        }
    }
}

/// What a command needs installed.
#[derive(Clone, Copy)]
struct Needs {
    browser_tests: bool,
    postgres: bool,
}

impl Needs {
    fn everything() -> Self {
        Self { browser_tests: true, postgres: true }
    }
}

fn run(release: bool) -> Result {
    setup(Needs { browser_tests: false, postgres: false })?;
    let mut command = cargo_leptos(&["serve"]);
    if release {
        // Brotli and gzip copies of the site files, made once (server/src/routes/site_files.rs).
        command.args(["--release", "--precompress"]);
    }
    println!("xtask: starting BookMate at http://127.0.0.1:3000 (data in ./data; Ctrl-C stops it)");
    status(&mut command)
}

fn test() -> Result {
    let started = Instant::now();
    setup(Needs::everything())?;
    let postgres_url = env::var(TEST_POSTGRES_URL_VAR).map_err(|_| "PostgreSQL was not set up".to_owned())?;
    let mut tally = Tally::default();

    step("formatting", &mut cargo(&["fmt", "--all", "--check"]))?;
    step(
        "clippy (server side)",
        &mut cargo(&[
            "clippy",
            "--workspace",
            "--exclude",
            "frontend",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    step(
        "clippy (browser side)",
        &mut cargo(&["clippy", "-p", "frontend", "--target", WASM32, "--locked", "--", "-D", "warnings"]),
    )?;

    let mut rust_tests = cargo(&["test", "--workspace", "--exclude", "frontend", "--locked"]);
    rust_tests.env(TEST_POSTGRES_URL_VAR, &postgres_url);
    let rust = counted_step("unit and integration tests (SQLite and PostgreSQL)", &mut rust_tests)?;
    tally.add(rust);
    // The real-Google run (server/tests/real_google.rs) says on its own line
    // whether it ran; a run that was not made is a skip, never a pass.
    match (rust.real_google_skipped, rust.real_google_passed) {
        (0, 1) => println!("xtask: the Google client suite also ran against real Google (GOOGLE_TEST_* set)"),
        (1, 0) => println!(
            "xtask: the Google client suite ran against the emulator only; the real-Google run was NOT made \
             (set GOOGLE_TEST_CLIENT_ID, GOOGLE_TEST_CLIENT_SECRET and GOOGLE_TEST_REFRESH_TOKEN to make it)"
        ),
        _ => return Err("the real-Google test target did not say whether it ran".to_owned()),
    }

    // The browser tests start their own server on a fresh database, signed
    // in through a Google emulator of their own: the server never serves the
    // emulator's control API, which the tests need.
    let data_dir = env::temp_dir().join(format!("bookmate-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let google = EmulatorProcess::start()?;
    let mut browser_tests = cargo_leptos(&["end-to-end"]);
    browser_tests
        .env("BOOKMATE_DATA_DIR", &data_dir)
        .env("DATABASE_URL", format!("sqlite://{}/bookmate.db", data_dir.display()))
        .env("BOOKMATE_PUBLIC_URL", "http://127.0.0.1:3000")
        .env("CI", "true");
    google.configure(&mut browser_tests);
    let browser = counted_step("browser tests (Playwright in Chromium)", &mut browser_tests);
    drop(google);
    let _ = std::fs::remove_dir_all(&data_dir);
    let browser = browser?;
    tally.add(browser);

    // The release archive, packed from the build the browser tests just
    // made (the packing is the release's), unpacked and started by its test.
    let archive = dist::pack(false)?;
    let mut archive_tests = cargo(&["test", "-p", "xtask", "--test", "release_archive", "--locked"]);
    archive_tests.env(TEST_ARCHIVE_VAR, &archive);
    let release = counted_step(
        "the release archive (unpacked, started, its systemd unit checked)",
        &mut archive_tests,
    )?;
    tally.add(release);

    println!(
        "\nxtask: every check passed in {:.0} s: formatting, clippy, {} Rust tests, {} browser tests, \
         {} release archive tests",
        started.elapsed().as_secs_f64(),
        rust.passed,
        browser.passed,
        release.passed
    );
    println!("{}", tally.summary());
    Ok(())
}

// ---------------------------------------------------------------------------
// Set-up: each step checks first and says what it found.

fn setup(needs: Needs) -> Result {
    ensure_wasm32_target()?;
    ensure_cargo_leptos()?;
    ensure_wasm_bindgen_cli()?;
    ensure_npm_packages()?;
    if needs.browser_tests {
        ensure_chromium()?;
    }
    if needs.postgres {
        ensure_nginx()?;
        ensure_postgres()?;
        ensure_systemd_analyze()?;
    }
    Ok(())
}

fn ensure_wasm32_target() -> Result {
    let installed =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|line| line.trim() == WASM32) {
        return say("wasm32 target", "already installed");
    }
    say("wasm32 target", "installing (the browser half of BookMate is compiled to WebAssembly)")?;
    if status(Command::new("rustup").args(["target", "add", WASM32])).is_ok() {
        return Ok(());
    }
    // Where rustup cannot download, the workplace keeps a copy of the component.
    let fallback = root().join("../shared/toolchain/ensure-wasm32");
    if fallback.exists() {
        return status(&mut Command::new(fallback));
    }
    Err("could not install the wasm32 target".to_owned())
}

fn ensure_cargo_leptos() -> Result {
    let version = output(Command::new("cargo").args(["leptos", "--version"])).unwrap_or_default();
    if version.split_whitespace().any(|word| word == CARGO_LEPTOS_VERSION) {
        return say("cargo-leptos", &format!("{CARGO_LEPTOS_VERSION} already installed"));
    }
    say(
        "cargo-leptos",
        &format!(
            "installing {CARGO_LEPTOS_VERSION} from source: it builds BookMate's server and WASM together. \
             This takes about 22 minutes on 2 cores, once per machine (0.3.11 needs a newer rustc)"
        ),
    )?;
    status(Command::new("cargo").args([
        "install",
        "cargo-leptos",
        "--version",
        CARGO_LEPTOS_VERSION,
        "--locked",
    ]))
}

/// cargo-leptos downloads wasm-bindgen unless exactly the version in
/// Cargo.lock is on the PATH, and downloads are impossible here.
fn ensure_wasm_bindgen_cli() -> Result {
    let wanted = locked_version("wasm-bindgen")?;
    let found = output(Command::new("wasm-bindgen").arg("--version")).unwrap_or_default();
    if found.split_whitespace().any(|word| word == wanted) {
        return say("wasm-bindgen-cli", &format!("{wanted} already installed"));
    }
    say(
        "wasm-bindgen-cli",
        &format!("installing {wanted}, the exact version in Cargo.lock, so cargo-leptos need not download one (about 4 minutes)"),
    )?;
    // Not --locked: its lockfile pins a crate version the registry here does not serve.
    status(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &wanted]))
}

/// Playwright for the browser tests, and binaryen's wasm-opt for release
/// builds (Debian's older wasm-opt produces WASM that never hydrates).
fn ensure_npm_packages() -> Result {
    let end2end = root().join("end2end");
    let stamp = end2end.join("node_modules/.package-lock.json");
    if is_newer(&stamp, &end2end.join("package-lock.json")) && is_newer(&stamp, &end2end.join("package.json"))
    {
        return say("npm packages", "already installed in end2end/node_modules");
    }
    say("npm packages", "installing Playwright, axe-core and binaryen into end2end/node_modules (npm ci)")?;
    status(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&end2end))
}

/// The release archive's test checks its systemd unit offline.
fn ensure_systemd_analyze() -> Result {
    if output(Command::new("systemd-analyze").arg("--version")).is_ok() {
        return say("systemd-analyze", "already installed (checks the release's systemd unit)");
    }
    say("systemd-analyze", "installing Debian's systemd for the release archive's unit check")?;
    apt_install(&["systemd"])
}

/// The attack suite puts a real reverse proxy in front of BookMate.
fn ensure_nginx() -> Result {
    if output(Command::new("nginx").arg("-v")).is_ok() {
        return say("nginx", "already installed (the attack suite's reverse proxy)");
    }
    say("nginx", "installing Debian's nginx-light for the attack suite's reverse-proxy test")?;
    apt_install(&["nginx-light"])?;
    // Debian starts it on port 80; the tests start their own.
    let _ = Command::new("service").args(["nginx", "stop"]).status();
    Ok(())
}

fn ensure_chromium() -> Result {
    if Path::new(CHROMIUM).exists() {
        return say("chromium", &format!("already installed at {CHROMIUM}"));
    }
    say(
        "chromium",
        "installing Debian's Chromium for the browser tests (Playwright never downloads one here)",
    )?;
    apt_install(&["chromium"])
}

/// The integration tests run against PostgreSQL as well as SQLite and never
/// skip it: use the server named in the environment, or install and start a
/// local one.
fn ensure_postgres() -> Result {
    if env::var_os(TEST_POSTGRES_URL_VAR).is_some() {
        return say("postgresql", &format!("using the server in {TEST_POSTGRES_URL_VAR}"));
    }
    if output(Command::new("pg_lsclusters").arg("--help")).is_err() {
        say("postgresql", "installing Debian's PostgreSQL for the integration tests")?;
        apt_install(&["postgresql"])?;
    }
    let clusters = output(Command::new("pg_lsclusters").arg("--no-header"))?;
    let cluster: Vec<&str> = clusters
        .lines()
        .next()
        .ok_or("PostgreSQL is installed but has no cluster (try `pg_createcluster 15 main`)")?
        .split_whitespace()
        .collect();
    let [version, name, port, state, ..] = cluster[..] else {
        return Err(format!("cannot read pg_lsclusters: {clusters}"));
    };
    if state == "online" {
        say("postgresql", &format!("{version}/{name} already running on port {port}"))?;
    } else {
        say("postgresql", &format!("starting {version}/{name} on port {port}"))?;
        status(Command::new("pg_ctlcluster").args([version, name, "start"]))?;
    }
    let role_exists = as_postgres(&[
        "psql",
        "-p",
        port,
        "-tAc",
        &format!("select 1 from pg_roles where rolname = '{TEST_POSTGRES_ROLE}'"),
    ])?;
    if role_exists.trim() != "1" {
        as_postgres(&[
            "psql",
            "-p",
            port,
            "-c",
            &format!("create role {TEST_POSTGRES_ROLE} login createdb password '{TEST_POSTGRES_ROLE}'"),
        ])?;
    }
    let url = format!("postgres://{TEST_POSTGRES_ROLE}:{TEST_POSTGRES_ROLE}@127.0.0.1:{port}/postgres");
    // Children inherit it; xtask is single-threaded, so setting it is sound.
    env::set_var(TEST_POSTGRES_URL_VAR, url);
    Ok(())
}

fn as_postgres(args: &[&str]) -> Result<String> {
    let mut command = if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]);
        command
    } else {
        let mut command = Command::new("sudo");
        command.args(["-u", "postgres"]);
        command
    };
    command.args(args).current_dir("/");
    output(&mut command)
}

fn apt_install(packages: &[&str]) -> Result {
    let sudo = |program: &str| {
        if is_root() {
            Command::new(program)
        } else {
            let mut command = Command::new("sudo");
            command.arg(program);
            command
        }
    };
    status(sudo("apt-get").arg("update").arg("-q"))?;
    status(
        sudo("apt-get").args(["install", "-y", "-q"]).args(packages).env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

// ---------------------------------------------------------------------------
// Commands.

/// The workspace this run is for. `cargo run` says where xtask's manifest is
/// at run time; the compile-time path is only a fallback, since one shared
/// target directory may hold a binary built in another checkout.
fn root() -> PathBuf {
    let manifest_dir = env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest_dir.parent().expect("xtask lives in the workspace").to_path_buf()
}

fn cargo(args: &[&str]) -> Command {
    let mut command = Command::new(env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo")));
    command.args(args).current_dir(root());
    command
}

/// cargo-leptos with npm's wasm-opt first on the PATH.
/// `--split`: lazy islands (`#[island(lazy)]`) become WASM files of their
/// own, fetched only by the pages that have them. `LEPTOS_HASH_FILES`: the
/// site's files are named after their contents, so browsers keep them a
/// year (`app/src/site_assets.rs`); not in `Cargo.toml`, since `cargo leptos
/// watch` does not rename the files it rebuilds.
fn cargo_leptos(args: &[&str]) -> Command {
    let mut command = cargo(&["leptos"]);
    command.args(args).arg("--split").env("LEPTOS_HASH_FILES", "true");
    let mut path = vec![root().join("end2end/node_modules/.bin")];
    path.extend(env::split_paths(&env::var_os("PATH").unwrap_or_default()));
    command.env("PATH", env::join_paths(path).expect("PATH entries join"));
    command
}

/// The Google emulator as a process of its own (`google-emulator`), with its
/// control API, for the browser tests; stopped when dropped.
struct EmulatorProcess {
    child: std::process::Child,
    issuer: String,
}

impl EmulatorProcess {
    /// The development client of the emulator's seed (`google-emulator/src/seed.rs`).
    const CLIENT_ID: &str = "bookmate-dev.apps.googleusercontent.com";
    const CLIENT_SECRET: &str = "bookmate-dev-secret";

    fn start() -> Result<Self> {
        println!("\nxtask: starting the Google emulator for the browser tests");
        let mut child = cargo(&["run", "--quiet", "--locked", "-p", "google-emulator", "--"])
            .args(["--port", "0", "--redirect-uri", "http://127.0.0.1:3000/auth/google/callback"])
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|error| format!("could not start the Google emulator: {error}"))?;
        // Its first line on stdout is its issuer URL, printed once it listens.
        let mut first_line = String::new();
        if let Some(stdout) = child.stdout.take() {
            BufReader::new(stdout).read_line(&mut first_line).ok();
        }
        let issuer = first_line.trim().to_owned();
        if !issuer.starts_with("http://") {
            let _ = child.kill();
            return Err(format!("the Google emulator did not start (it printed `{issuer}`)"));
        }
        println!("xtask: Google emulator at {issuer}");
        Ok(Self { child, issuer })
    }

    /// Points a BookMate server (and the Playwright fixtures) at it.
    fn configure(&self, command: &mut Command) {
        command
            .env("GOOGLE_CLIENT_ID", Self::CLIENT_ID)
            .env("GOOGLE_CLIENT_SECRET", Self::CLIENT_SECRET)
            .env("GOOGLE_ISSUER_URL", &self.issuer)
            .env("GOOGLE_CALENDAR_API_URL", format!("{}/calendar/v3", self.issuer))
            .env("BOOKMATE_EMULATOR_URL", &self.issuer);
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn step(name: &str, command: &mut Command) -> Result {
    println!("\nxtask: {name}");
    status(command).map_err(|error| format!("{name} failed: {error}"))
}

/// Runs a test command, echoing its output and counting what it reports.
fn counted_step(name: &str, command: &mut Command) -> Result<Tally> {
    println!("\nxtask: {name}");
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|error| format!("{name}: could not start {command:?}: {error}"))?;
    let mut tally = Tally::default();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(std::result::Result::ok) {
            println!("{line}");
            tally.read_line(&line);
        }
    }
    let exit = child.wait().map_err(|error| format!("{name}: {error}"))?;
    if !exit.success() {
        return Err(format!("{name} failed ({} passed, {} failed)", tally.passed, tally.failed));
    }
    if tally.passed == 0 {
        return Err(format!("{name} ran no test"));
    }
    Ok(tally)
}

fn status(command: &mut Command) -> Result {
    let exit = command.status().map_err(|error| format!("could not start {command:?}: {error}"))?;
    if exit.success() {
        Ok(())
    } else {
        Err(format!("{command:?} exited with {exit}"))
    }
}

fn output(command: &mut Command) -> Result<String> {
    let out = command.stderr(Stdio::null()).output().map_err(|error| error.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!("{command:?} exited with {}", out.status))
    }
}

fn say(tool: &str, message: &str) -> Result {
    println!("setup: {tool}: {message}");
    Ok(())
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u")).map(|uid| uid.trim() == "0").unwrap_or(false)
}

fn is_newer(path: &Path, than: &Path) -> bool {
    let modified = |path: &Path| std::fs::metadata(path).and_then(|meta| meta.modified()).ok();
    matches!((modified(path), modified(than)), (Some(a), Some(b)) if a >= b)
}

/// The version of a package as Cargo.lock pins it.
fn locked_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|error| format!("cannot read Cargo.lock: {error}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{package}\"") {
            if let Some(version) = lines.next().and_then(|next| next.strip_prefix("version = \"")) {
                return Ok(version.trim_end_matches('"').to_owned());
            }
        }
    }
    Err(format!("{package} is not in Cargo.lock"))
}

// ---------------------------------------------------------------------------
// Counting tests from the runners' own summary lines.

#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
struct Tally {
    passed: u64,
    failed: u64,
    /// The real-Google run said `real Google: not run …`.
    real_google_skipped: u64,
    /// The real-Google run said `real Google: passed …`.
    real_google_passed: u64,
}

impl Tally {
    fn add(&mut self, other: Self) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.real_google_skipped += other.real_google_skipped;
        self.real_google_passed += other.real_google_passed;
    }

    /// The last line of `cargo xtask test`, which CI reads: a skipped count
    /// only when something was skipped.
    fn summary(&self) -> String {
        if self.real_google_skipped > 0 {
            format!(
                "summary: {} passed, {} failed, {} skipped",
                self.passed, self.failed, self.real_google_skipped
            )
        } else {
            format!("summary: {} passed, {} failed", self.passed, self.failed)
        }
    }

    /// `test result: ok. 12 passed; 0 failed; …` from cargo test,
    /// `  3 passed (4.2s)` / `  1 failed` from Playwright's list reporter, and
    /// `real Google: not run …` / `real Google: passed …` from the real-Google
    /// run (a test target of its own, outside libtest).
    fn read_line(&mut self, line: &str) {
        let line = line.trim();
        if let Some(outcome) = line.strip_prefix("real Google: ") {
            if outcome.starts_with("not run") {
                self.real_google_skipped += 1;
            } else if outcome.starts_with("passed") {
                self.real_google_passed += 1;
                self.passed += 1;
            } else {
                self.failed += 1;
            }
            return;
        }
        if let Some(rest) = line.strip_prefix("test result: ") {
            for part in rest.split(';') {
                let words: Vec<&str> = part.split_whitespace().collect();
                match words[..] {
                    [.., count, "passed"] => self.passed += count.parse::<u64>().unwrap_or(0),
                    [count, "failed"] => self.failed += count.parse::<u64>().unwrap_or(0),
                    _ => {}
                }
            }
            return;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        match words[..] {
            [count, "passed", ..] => self.passed += count.parse::<u64>().unwrap_or(0),
            [count, "failed", ..] => self.failed += count.parse::<u64>().unwrap_or(0),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_test_result_lines_are_counted() {
        let mut tally = Tally::default();
        tally.read_line(
            "test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s",
        );
        tally.read_line("test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out");
        assert_eq!(tally, Tally { passed: 15, failed: 2, ..Tally::default() });
    }

    #[test]
    fn playwright_summary_lines_are_counted() {
        let mut tally = Tally::default();
        tally.read_line("  3 passed (4.2s)");
        tally.read_line("  1 failed");
        tally.read_line("  ✓  1 [chromium] › landing.spec.ts:4:1 › the landing page hydrates (1.2s)");
        assert_eq!(tally, Tally { passed: 3, failed: 1, ..Tally::default() });
    }

    #[test]
    fn a_real_google_run_that_was_not_made_is_a_skip_in_the_summary() {
        let mut tally = Tally::default();
        tally.read_line("test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out");
        tally.read_line("real Google: not run (GOOGLE_TEST_* not set)");
        assert_eq!((tally.passed, tally.real_google_skipped, tally.real_google_passed), (12, 1, 0));
        assert_eq!(tally.summary(), "summary: 12 passed, 0 failed, 1 skipped");
    }

    #[test]
    fn a_real_google_run_that_was_made_counts_as_passed() {
        let mut tally = Tally::default();
        tally.read_line("test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out");
        tally.read_line("real Google: passed (refresh, calendar list, freebusy, insert, duplicate insert)");
        assert_eq!((tally.passed, tally.real_google_skipped, tally.real_google_passed), (13, 0, 1));
        assert_eq!(tally.summary(), "summary: 13 passed, 0 failed");
    }

    #[test]
    fn the_locked_wasm_bindgen_version_is_found() {
        let version = locked_version("wasm-bindgen").unwrap();
        assert!(version.starts_with("0.2."), "{version}");
    }
}
