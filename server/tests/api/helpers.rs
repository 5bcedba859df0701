//! Test fixtures: a fresh database per test on either backend, and the whole
//! application served on a free port.

use std::collections::HashMap;

use app::db::{Backend, Database, DatabaseUrl};
use leptos::prelude::LeptosOptions;
use server::{config::Settings, startup::Application};
use sqlx::{Connection as _, PgConnection};
use tempfile::TempDir;

use crate::nginx::{free_port, Nginx};

/// The PostgreSQL server the tests may create databases on. `cargo xtask
/// test` starts one and sets this; without it the PostgreSQL tests fail
/// loudly rather than pass without having run.
const POSTGRES_ADMIN_URL: &str = "BOOKMATE_TEST_POSTGRES_URL";

pub const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

/// A database that exists for one test: a file in a temporary directory, or
/// a uniquely named PostgreSQL database dropped afterwards.
pub struct TestDatabase {
    pub url: DatabaseUrl,
    pub directory: TempDir,
    postgres_name: Option<String>,
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> Self {
        let directory = tempfile::tempdir().expect("a temporary directory");
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}/bookmate.db", directory.path().display());
                Self { url: url.parse().unwrap(), directory, postgres_name: None }
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url();
                let name = format!("bookmate_test_{:016x}", rand::random::<u64>());
                let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|error| {
                    panic!("cannot reach PostgreSQL at {POSTGRES_ADMIN_URL}: {error}")
                });
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("create database {name}")))
                    .execute(&mut admin)
                    .await
                    .expect("create the test database");
                admin.close().await.ok();
                let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
                let url = format!("{base}/{name}");
                Self { url: url.parse().unwrap(), directory, postgres_name: Some(name) }
            }
        }
    }

    pub async fn connect(&self) -> Database {
        Database::connect_and_migrate(&self.url).await.expect("connect and migrate the test database")
    }

    /// Drops a PostgreSQL test database, closing every connection to it;
    /// SQLite files go with the directory.
    pub async fn drop_database(self) {
        self.drop_postgres_now().await;
    }

    /// Drops the PostgreSQL database even while the application uses it, as
    /// an outage would take it away.
    pub async fn drop_postgres_now(&self) {
        if let Some(name) = &self.postgres_name {
            let mut admin = PgConnection::connect(&postgres_admin_url()).await.expect("reach PostgreSQL");
            let drop = format!("drop database if exists {name} with (force)");
            // PostgreSQL's own workers (autovacuum) may be on the database,
            // and only a superuser may end them: they finish in moments.
            for attempt in 1.. {
                match sqlx::raw_sql(sqlx::AssertSqlSafe(drop.clone())).execute(&mut admin).await {
                    Ok(_) => break,
                    Err(sqlx::Error::Database(error))
                        if error.code().as_deref() == Some("42501") && attempt < 40 =>
                    {
                        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                    }
                    Err(error) => panic!("drop the test database: {error:?}"),
                }
            }
        }
    }
}

fn postgres_admin_url() -> String {
    #[allow(clippy::disallowed_methods, reason = "tests are told where PostgreSQL runs")]
    std::env::var(POSTGRES_ADMIN_URL).unwrap_or_else(|_| {
        panic!(
            "{POSTGRES_ADMIN_URL} is not set. The PostgreSQL tests never skip: run `cargo xtask test`, \
             which starts PostgreSQL, or point {POSTGRES_ADMIN_URL} at a server where this role may create databases"
        )
    })
}

/// Leptos holds back every resource in the process while one app generates
/// its route list (one process-wide switch, `SuppressResourceLoad`). In
/// production one app runs per process and generates its routes before it
/// serves; tests run apps side by side, so one test's start-up could stall
/// another test's server-side render until the request times out, or let a
/// route list load its resources. Starting an app takes this lock for
/// writing; server-side renders take it for reading.
static ROUTE_LIST_GENERATION: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

/// Builds the application as `main` does, its site files under `site_root`,
/// holding back other tests' renders while it generates its routes.
pub async fn build_application(settings: &Settings, site_root: &std::path::Path) -> Application {
    let leptos_options =
        LeptosOptions::builder().output_name("bookmate").site_root(site_root.display().to_string()).build();
    build_application_with_options(settings, leptos_options).await
}

/// As [`build_application`], with the site's layout given whole.
pub async fn build_application_with_options(
    settings: &Settings,
    leptos_options: LeptosOptions,
) -> Application {
    let _generating_routes = ROUTE_LIST_GENERATION.write().await;
    Application::build(settings, leptos_options).await.expect("the application builds")
}

/// See [`TestApp::rendering_pages`], for an application built without one.
pub async fn rendering_pages() -> tokio::sync::RwLockReadGuard<'static, ()> {
    ROUTE_LIST_GENERATION.read().await
}

/// The whole application on 127.0.0.1 with a free port, its own data
/// directory and database, stopped when dropped.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub database: TestDatabase,
    /// The Google emulator built into the app (no Google client configured),
    /// or, for a server process, one the test serves beside it.
    pub google: google_emulator::Emulator,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    process: Option<ServerProcess>,
    /// A cluster's other processes, and the balancer in front of them all.
    others: Vec<ServerProcess>,
    balancer: Option<Nginx>,
    /// Each server process's own address (empty for an in-process app).
    pub process_addresses: Vec<String>,
}

/// BookMate's own binary as a child process, for tests of what only a
/// process shows: its memory, and a crash.
struct ServerProcess {
    child: std::process::Child,
    env: Vec<(String, String)>,
    log: std::path::PathBuf,
}

impl ServerProcess {
    fn start(env: &[(String, String)], log: &std::path::Path, directory: &std::path::Path) -> Self {
        let log_file = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("a log file");
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .env_clear()
            .envs(env.iter().map(|(name, value)| (name.as_str(), value.as_str())))
            .current_dir(directory)
            .stdout(log_file.try_clone().expect("the log file"))
            .stderr(log_file)
            .spawn()
            .expect("the server binary starts");
        Self { child, env: env.to_vec(), log: log.to_owned() }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// As [`TestApp::spawn`], with the settings changed first (a shorter
    /// Google timeout, say).
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> Self {
        let database = TestDatabase::create(backend).await;
        let mut vars = HashMap::from([
            ("BOOKMATE_BIND_ADDR", "127.0.0.1:0".to_owned()),
            ("BOOKMATE_DATA_DIR", database.directory.path().display().to_string()),
            ("DATABASE_URL", url_string(&database.url)),
            ("RUST_LOG", "warn".to_owned()),
        ]);
        if backend == Backend::Postgres {
            vars.insert("BOOKMATE_SECRET_KEY", "test-secret-key-test-secret-key-0123456789".to_owned());
        }
        let mut settings = Settings::load(|name| vars.get(name).cloned()).expect("test settings are valid");
        adjust(&mut settings);
        let application = build_application(&settings, database.directory.path()).await;
        let address = format!("http://{}", application.local_addr());
        let google = application.emulator().expect("tests run against the built-in emulator");
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(application.run_until(async {
            stopped.await.ok();
        }));
        Self {
            address,
            client: no_redirects(),
            database,
            google,
            shutdown: Some(shutdown),
            process: None,
            others: Vec::new(),
            balancer: None,
            process_addresses: Vec::new(),
        }
    }

    /// BookMate's binary as a process of its own on a fresh database, signed
    /// in through an emulator this test serves (with its controls), with
    /// `extra` variables beside the usual ones.
    pub async fn spawn_process(backend: Backend, extra: &[(&str, &str)]) -> Self {
        let database = TestDatabase::create(backend).await;
        let port = free_port();
        let address = format!("http://127.0.0.1:{port}");
        let (google, issuer) = serve_emulator(&address).await;
        let env = process_env(&database, port, &address, &issuer, extra);
        let log = database.directory.path().join("server.log");
        let process = ServerProcess::start(&env, &log, database.directory.path());
        let app = Self {
            address: address.clone(),
            client: no_redirects(),
            database,
            google,
            shutdown: None,
            process: Some(process),
            others: Vec::new(),
            balancer: None,
            process_addresses: vec![address],
        };
        app.wait_until_ready().await;
        app
    }

    /// `count` BookMate processes on one PostgreSQL database behind a real
    /// load balancer (nginx, round robin, no sticky sessions), as the
    /// README's production setup runs them: the app's address is the
    /// balancer's, the public URL; `process_addresses` reach each process.
    pub async fn spawn_cluster(count: usize, extra: &[(&str, &str)]) -> Self {
        let database = TestDatabase::create(Backend::Postgres).await;
        let public_port = free_port();
        let address = format!("http://127.0.0.1:{public_port}");
        let (google, issuer) = serve_emulator(&address).await;
        let ports: Vec<u16> = (0..count).map(|_| free_port()).collect();
        let mut processes: Vec<ServerProcess> = ports
            .iter()
            .enumerate()
            .map(|(index, port)| {
                let env = process_env(&database, *port, &address, &issuer, extra);
                let log = database.directory.path().join(format!("server{index}.log"));
                ServerProcess::start(&env, &log, database.directory.path())
            })
            .collect();
        let upstreams: Vec<String> = ports.iter().map(|port| format!("127.0.0.1:{port}")).collect();
        let upstream_names: Vec<&str> = upstreams.iter().map(String::as_str).collect();
        let balancer = Nginx::balancing(public_port, &upstream_names).await;
        let first = processes.remove(0);
        let app = Self {
            address,
            client: no_redirects(),
            database,
            google,
            shutdown: None,
            process: Some(first),
            others: processes,
            balancer: Some(balancer),
            process_addresses: upstreams.iter().map(|upstream| format!("http://{upstream}")).collect(),
        };
        app.wait_until_ready().await;
        app
    }

    async fn wait_until_ready(&self) {
        for address in &self.process_addresses {
            let mut ready = false;
            for _ in 0..300 {
                if let Ok(answer) = self.client.get(format!("{address}/readyz")).send().await {
                    if answer.status() == 200 {
                        ready = true;
                        break;
                    }
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            assert!(ready, "the server process at {address} did not become ready:\n{}", self.process_log());
        }
    }

    /// The load balancer in front of a cluster ([`TestApp::spawn_cluster`]).
    pub fn balancer(&self) -> &Nginx {
        self.balancer.as_ref().expect("a cluster behind a load balancer")
    }

    /// What the server process wrote, for a failing test's message.
    pub fn process_log(&self) -> String {
        self.process
            .iter()
            .chain(&self.others)
            .map(|process| std::fs::read_to_string(&process.log).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The server process's id.
    pub fn pid(&self) -> u32 {
        self.process.as_ref().expect("a server process").child.id()
    }

    /// Kills the server process as the kernel's OOM killer would (SIGKILL:
    /// nothing runs after it), then starts it again on the same database.
    pub async fn kill_and_restart(&mut self) {
        let mut old = self.process.take().expect("a server process");
        old.child.kill().expect("SIGKILL");
        old.child.wait().ok();
        let process = ServerProcess::start(&old.env, &old.log, self.database.directory.path());
        self.process = Some(process);
        self.wait_until_ready().await;
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        let _rendering = ROUTE_LIST_GENERATION.read().await;
        self.client.get(format!("{}{path}", self.address)).send().await.expect("the request is answered")
    }

    /// Keeps other tests' apps from starting while the guard lives, for a
    /// test that renders pages through its own requests rather than
    /// [`TestApp::get`] (which must not be called while it is held).
    pub async fn rendering_pages(&self) -> tokio::sync::RwLockReadGuard<'static, ()> {
        rendering_pages().await
    }

    /// A separate pool on the app's database, for looking behind its back.
    pub async fn pool(&self) -> app::db::DbPool {
        self.database.connect().await.pool().clone()
    }

    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            shutdown.send(()).ok();
        }
        self.balancer.take();
        self.process.take();
        self.others.clear();
        self.database.drop_database().await;
    }
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("a reqwest client")
}

/// The Google emulator, with its controls, for server processes whose public
/// URL is `public_url`; returns it and its issuer URL.
async fn serve_emulator(public_url: &str) -> (google_emulator::Emulator, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let seed = google_emulator::Seed::development(vec![format!("{public_url}/auth/google/callback")]);
    let google =
        google_emulator::Emulator::new(google_emulator::EmulatorConfig::new(issuer.parse().unwrap(), seed));
    let router = google.router_with_controls();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (google, issuer)
}

/// A server process's environment: its port, the public URL, the database
/// and the emulator, then `extra`.
fn process_env(
    database: &TestDatabase,
    port: u16,
    public_url: &str,
    issuer: &str,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        ("BOOKMATE_BIND_ADDR", format!("127.0.0.1:{port}")),
        ("BOOKMATE_PUBLIC_URL", public_url.to_owned()),
        ("BOOKMATE_DATA_DIR", database.directory.path().display().to_string()),
        ("DATABASE_URL", url_string(&database.url)),
        ("BOOKMATE_SECRET_KEY", "test-secret-key-test-secret-key-0123456789".to_owned()),
        ("GOOGLE_CLIENT_ID", google_emulator::DEVELOPMENT_CLIENT_ID.to_owned()),
        ("GOOGLE_CLIENT_SECRET", google_emulator::DEVELOPMENT_CLIENT_SECRET.to_owned()),
        ("GOOGLE_ISSUER_URL", issuer.to_owned()),
        ("GOOGLE_CALENDAR_API_URL", format!("{issuer}/calendar/v3")),
        ("RUST_LOG", "warn".to_owned()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect();
    env.extend(extra.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())));
    env
}

/// `DatabaseUrl` hides passwords in `Debug`; the tests need the real URL.
fn url_string(url: &DatabaseUrl) -> String {
    url.expose().to_owned()
}

/// A browser, as far as BookMate's cookies go: keeps them by name.
#[derive(Default, Clone, Debug)]
pub struct Cookies(std::collections::BTreeMap<String, String>);

impl Cookies {
    pub fn absorb(&mut self, response: &reqwest::Response) {
        for header in response.headers().get_all("set-cookie") {
            let Ok(text) = header.to_str() else { continue };
            let pair = text.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() || text.contains("Max-Age=0") {
                    self.0.remove(name);
                } else {
                    self.0.insert(name.to_owned(), value.to_owned());
                }
            }
        }
    }

    pub fn header(&self) -> String {
        self.0.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ")
    }

    pub fn absorb_pair(&mut self, name: &str, value: &str) {
        self.0.insert(name.to_owned(), value.to_owned());
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

impl TestApp {
    /// GET with this browser's cookies, keeping what the answer sets.
    pub async fn browse(&self, url: &str, cookies: &mut Cookies) -> reqwest::Response {
        let url = if url.starts_with("http") { url.to_owned() } else { format!("{}{url}", self.address) };
        let response = self
            .client
            .get(url)
            .header("cookie", cookies.header())
            .send()
            .await
            .expect("the request is answered");
        cookies.absorb(&response);
        response
    }

    /// Calls a server function whose arguments are JSON.
    pub async fn server_fn_json(
        &self,
        name: &str,
        body: serde_json::Value,
        cookies: &Cookies,
    ) -> reqwest::Response {
        self.client
            .post(format!("{}/api/{name}", self.address))
            .header("cookie", cookies.header())
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("the request is answered")
    }

    /// A page rendered by Leptos, as this browser sees it; like
    /// [`TestApp::get`], it waits while another test's app generates its
    /// routes (which would stall the render). Not for use while holding
    /// [`TestApp::rendering_pages`].
    pub async fn browse_page(&self, path: &str, cookies: &mut Cookies) -> reqwest::Response {
        let _rendering = ROUTE_LIST_GENERATION.read().await;
        self.browse(path, cookies).await
    }

    /// A server function whose arguments are form-encoded (the default).
    pub async fn server_fn_form(
        &self,
        name: &str,
        form: &[(&str, &str)],
        cookies: &Cookies,
    ) -> reqwest::Response {
        self.client
            .post(format!("{}/api/{name}", self.address))
            .header("cookie", cookies.header())
            .form(form)
            .send()
            .await
            .expect("the request is answered")
    }

    /// Starts sign-in and follows BookMate's redirect to Google's consent
    /// page; returns the page's HTML.
    pub async fn start_sign_in(&self, cookies: &mut Cookies, path: &str) -> (String, String) {
        let start = self.browse(path, cookies).await;
        self.follow_to_google(start, cookies, path).await
    }

    /// Incremental authorization as BookMate's pages start it: a form POST
    /// to `/auth/google/grant`, then Google's consent page.
    pub async fn start_grant(&self, cookies: &mut Cookies, return_to: &str) -> (String, String) {
        let start = self
            .client
            .post(format!("{}/auth/google/grant", self.address))
            .header("cookie", cookies.header())
            .header("origin", &self.address)
            .form(&[("return_to", return_to)])
            .send()
            .await
            .expect("the request is answered");
        cookies.absorb(&start);
        self.follow_to_google(start, cookies, "/auth/google/grant").await
    }

    /// The banner's "Reconnect Google": a form POST to
    /// `/auth/google/reconnect`, then Google's consent page.
    pub async fn start_reconnect(&self, cookies: &mut Cookies) -> (String, String) {
        let start = self
            .client
            .post(format!("{}/auth/google/reconnect", self.address))
            .header("cookie", cookies.header())
            .header("origin", &self.address)
            .send()
            .await
            .expect("the request is answered");
        cookies.absorb(&start);
        self.follow_to_google(start, cookies, "/auth/google/reconnect").await
    }

    async fn follow_to_google(
        &self,
        start: reqwest::Response,
        cookies: &mut Cookies,
        path: &str,
    ) -> (String, String) {
        assert_eq!(start.status(), 303, "{path} must redirect to Google");
        let authorize = start.headers()["location"].to_str().unwrap().to_owned();
        let consent = self.browse(&authorize, cookies).await;
        let status = consent.status();
        if status.is_redirection() {
            return (authorize, consent.headers()["location"].to_str().unwrap().to_owned());
        }
        assert_eq!(status, 200, "the consent page");
        (authorize, consent.text().await.unwrap())
    }

    /// Submits Google's consent page as a person would: choose the account,
    /// untick `refuse`, press Allow (or Cancel). Returns the callback URL.
    pub async fn answer_consent(
        &self,
        page: &str,
        cookies: &mut Cookies,
        email: &str,
        refuse: &[&str],
        allow: bool,
    ) -> String {
        let value_after = |marker: &str| -> Vec<String> {
            page.match_indices(marker)
                .map(|(index, _)| {
                    let rest = &page[index + marker.len()..];
                    rest[..rest.find('"').unwrap()].to_owned()
                })
                .collect()
        };
        let request_id = value_after("name=\"request_id\" value=\"").remove(0);
        let action = value_after("<form method=\"post\" action=\"").remove(0);
        let sub = self.google.accounts().into_iter().find(|account| account.email == email).unwrap().sub;
        let mut form: Vec<(String, String)> = vec![
            ("request_id".to_owned(), request_id),
            ("account".to_owned(), sub),
            ("action".to_owned(), if allow { "allow" } else { "cancel" }.to_owned()),
        ];
        for scope in value_after("name=\"scope\" value=\"") {
            if !refuse.contains(&scope.as_str()) {
                form.push(("scope".to_owned(), scope));
            }
        }
        let response =
            self.client.post(action).header("cookie", cookies.header()).form(&form).send().await.unwrap();
        cookies.absorb(&response);
        assert!(response.status().is_redirection(), "consent answers with a redirect: {}", response.status());
        response.headers()["location"].to_str().unwrap().to_owned()
    }

    /// The whole sign-in of a seeded Google account, consent included.
    pub async fn sign_in(&self, email: &str) -> Cookies {
        let mut cookies = Cookies::default();
        let (_, consent) = self.start_sign_in(&mut cookies, "/auth/google/login").await;
        let callback = if consent.starts_with("http") {
            consent
        } else {
            self.answer_consent(&consent, &mut cookies, email, &[], true).await
        };
        let done = self.browse(&callback, &mut cookies).await;
        assert_eq!(done.status(), 303, "the callback signs in: {}", done.text().await.unwrap_or_default());
        assert!(cookies.get("bookmate_session").is_some());
        cookies
    }
}
