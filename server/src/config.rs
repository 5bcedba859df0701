//! Configuration: read once from the environment (and an optional `.env`) into
//! one typed struct, validated before anything starts.
//!
//! Nothing else in the server reads environment variables. A bad value stops
//! start-up with one line that names the variable.

// tidy: long file: the one reader of the environment, with a test for each
// variable's rules; half of it is those tests.

use std::{
    net::{Ipv4Addr, SocketAddr, SocketAddrV4},
    path::{Path, PathBuf},
    time::Duration,
};

use app::db::DatabaseUrl;

use crate::serve::ConnectionLimits;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

/// Every variable BookMate reads, with its default, for errors and the README.
pub const BIND_ADDR: &str = "BOOKMATE_BIND_ADDR";
pub const PUBLIC_URL: &str = "BOOKMATE_PUBLIC_URL";
pub const DATA_DIR: &str = "BOOKMATE_DATA_DIR";
pub const DATABASE_URL: &str = "DATABASE_URL";
pub const SECRET_KEY: &str = "BOOKMATE_SECRET_KEY";
pub const GOOGLE_CLIENT_ID: &str = "GOOGLE_CLIENT_ID";
pub const GOOGLE_CLIENT_SECRET: &str = "GOOGLE_CLIENT_SECRET";
pub const GOOGLE_ISSUER_URL: &str = "GOOGLE_ISSUER_URL";
pub const GOOGLE_CALENDAR_API_URL: &str = "GOOGLE_CALENDAR_API_URL";
pub const SMTP_URL: &str = "SMTP_URL";
pub const MAIL_FROM: &str = "BOOKMATE_MAIL_FROM";
pub const PUBLIC_DEMO: &str = "BOOKMATE_PUBLIC_DEMO";
pub const TRUSTED_PROXIES: &str = "BOOKMATE_TRUSTED_PROXIES";
pub const LOG: &str = "RUST_LOG";
/// Set by cargo-leptos; used as the bind address when ours is not set.
const LEPTOS_SITE_ADDR: &str = "LEPTOS_SITE_ADDR";

const DEFAULT_BIND_ADDR: SocketAddr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 3000));
const DEFAULT_DATA_DIR: &str = "data";
const DEFAULT_LOG: &str = "info,sqlx=warn,tower_http=info";
const SECRET_KEY_FILE: &str = "secret_key";
/// 32 bytes of key material, whatever the encoding the operator chose.
const MIN_SECRET_KEY_CHARS: usize = 32;
/// Google answers in well under a second; a stuck call must not hold a
/// visitor's page.
const DEFAULT_GOOGLE_TIMEOUT: Duration = Duration::from_secs(10);
/// No request may hold a connection longer than this, so a stuck handler
/// cannot hold up shutdown either.
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Far above what two cores serve (BENCHMARKS.md), far below the default
/// limit of open files; a slow client's headers get ten seconds.
const DEFAULT_CONNECTION_LIMITS: ConnectionLimits =
    ConnectionLimits { max_connections: 768, header_read_timeout: Duration::from_secs(10) };

#[derive(Debug)]
pub struct Settings {
    /// Development when the public URL is a loopback address, else production.
    pub mode: Mode,
    pub bind_addr: SocketAddr,
    /// Where browsers reach BookMate; OAuth redirect URIs are built from it.
    pub public_url: Url,
    pub data_dir: PathBuf,
    pub database_url: DatabaseUrl,
    pub secret_key: SecretKey,
    pub google: GoogleSettings,
    pub smtp: Option<SmtpSettings>,
    /// The sender of invitations, `BookMate <bookings@example.com>`.
    pub mail_from: String,
    pub log_filter: String,
    /// Reverse proxies whose `X-Forwarded-For`/`Forwarded` name the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Serves the emulator's test controls (`/__google/__emulator/…`) beside
    /// it. Only tests set this: no environment variable can, so no deployment
    /// exposes hosts' tokens or a reset button by a slip of configuration.
    pub emulator_control_api: bool,
    /// How long one HTTP call to Google may take. Not read from the
    /// environment, as there is nothing for an operator to tune; tests shorten
    /// it to play a Google that hangs.
    pub google_timeout: Duration,
    /// How long any request may take before it is answered 408. Not read
    /// from the environment either; tests shorten it.
    pub request_timeout: Duration,
    /// Connections served at once, and how long a client may take to send
    /// its headers. Not read from the environment; tests shrink them.
    pub connection_limits: ConnectionLimits,
    /// How often followed Google calendars are read. Not read from the
    /// environment; tests shorten it.
    pub following: app::following::timing::FollowTiming,
}

/// Who may reach this server, from its public URL: a loopback address is
/// one person's machine (development), anything else is the internet
/// (production), where the embedded conveniences would be holes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Development,
    Production,
}

impl Mode {
    fn of(public_url: &Url) -> Self {
        let loopback = match public_url.host() {
            Some(url::Host::Domain(domain)) => {
                domain.eq_ignore_ascii_case("localhost")
                    || domain.to_ascii_lowercase().ends_with(".localhost")
            }
            Some(url::Host::Ipv4(address)) => address.is_loopback(),
            Some(url::Host::Ipv6(address)) => address.is_loopback(),
            None => false,
        };
        if loopback {
            Self::Development
        } else {
            Self::Production
        }
    }
}

/// Real Google when a client is configured; otherwise the emulator built into
/// this server, so that a new user can sign in with no setup at all
/// (development, or a production demo that says so).
#[derive(Debug)]
#[allow(clippy::large_enum_variant, reason = "built once at start; size is irrelevant")]
pub enum GoogleSettings {
    Emulator,
    Google { client_id: String, client_secret: SecretString, issuer_url: Url, calendar_api_url: Url },
}

#[derive(Debug)]
pub struct SmtpSettings {
    /// `smtp://user:password@host:port` or `smtps://…`; holds a password.
    pub url: SecretString,
    /// Host and port only, for log lines.
    pub server: String,
}

/// The key that signs cookies and encrypts Google's tokens at rest.
pub struct SecretKey {
    value: SecretString,
    pub source: SecretKeySource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretKeySource {
    Environment,
    /// Generated on first start of the embedded default and kept in this file.
    File(PathBuf),
}

impl SecretKey {
    pub fn expose(&self) -> &str {
        self.value.expose_secret()
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKey").field("value", &"[redacted]").field("source", &self.source).finish()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("configuration error: {variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl ConfigError {
    fn new(variable: &'static str, problem: impl Into<String>) -> Self {
        Self { variable, problem: problem.into() }
    }
}

impl Settings {
    /// Reads the process environment, after loading `.env` if there is one.
    pub fn from_env() -> Result<Self, ConfigError> {
        // A missing .env is normal; a malformed one is worth stopping for.
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(error) if error.not_found() => {}
            Err(error) => return Err(ConfigError::new(".env", error.to_string())),
        }
        #[allow(clippy::disallowed_methods, reason = "the one place that reads the environment")]
        Self::load(|name| std::env::var(name).ok())
    }

    /// Builds the settings from any source of variables, so tests need not
    /// touch the process environment. Generates the secret key file when the
    /// embedded default needs one.
    pub fn load(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var =
            |name: &str| var(name).map(|value| value.trim().to_owned()).filter(|value| !value.is_empty());

        let bind_addr = var(BIND_ADDR)
            .map(|value| (BIND_ADDR, value))
            .or_else(|| var(LEPTOS_SITE_ADDR).map(|value| (LEPTOS_SITE_ADDR, value)))
            .map(|(name, value)| {
                value.parse::<SocketAddr>().map_err(|_| {
                    ConfigError::new(
                        if name == BIND_ADDR { BIND_ADDR } else { LEPTOS_SITE_ADDR },
                        format!("`{value}` is not an address such as 127.0.0.1:3000"),
                    )
                })
            })
            .transpose()?
            .unwrap_or(DEFAULT_BIND_ADDR);

        let public_url = match var(PUBLIC_URL) {
            Some(value) => parse_http_url(PUBLIC_URL, &value)?,
            None => {
                let host = if bind_addr.ip().is_unspecified() {
                    format!("127.0.0.1:{}", bind_addr.port())
                } else {
                    bind_addr.to_string()
                };
                parse_http_url(BIND_ADDR, &format!("http://{host}"))?
            }
        };

        let mode = Mode::of(&public_url);
        if mode == Mode::Development && !bind_addr.ip().is_loopback() {
            return Err(ConfigError::new(
                BIND_ADDR,
                format!(
                    "{bind_addr} is reachable from other machines, but the public URL {public_url} is a loopback \
                     address (development, with its built-in Google and mailbox): listen on 127.0.0.1, or set \
                     {PUBLIC_URL} to the https:// address people use"
                ),
            ));
        }
        if mode == Mode::Production && public_url.scheme() != "https" {
            return Err(ConfigError::new(
                PUBLIC_URL,
                format!("`{public_url}` must be https:// in production (any address but a loopback one)"),
            ));
        }

        let data_dir = PathBuf::from(var(DATA_DIR).unwrap_or_else(|| DEFAULT_DATA_DIR.to_owned()));

        let database_url = var(DATABASE_URL)
            .unwrap_or_else(|| format!("sqlite://{}/bookmate.db", data_dir.display()))
            .parse::<DatabaseUrl>()
            .map_err(|error| ConfigError::new(DATABASE_URL, error.to_string()))?;

        let secret_key = match var(SECRET_KEY) {
            Some(value) if value.chars().count() < MIN_SECRET_KEY_CHARS => {
                return Err(ConfigError::new(
                    SECRET_KEY,
                    format!("too short: use at least {MIN_SECRET_KEY_CHARS} random characters, e.g. `openssl rand -base64 32`"),
                ));
            }
            Some(value) => {
                SecretKey { value: SecretString::from(value), source: SecretKeySource::Environment }
            }
            None if database_url.backend() == app::db::Backend::Sqlite => {
                load_or_create_secret_key(&data_dir)?
            }
            None => {
                return Err(ConfigError::new(
                    SECRET_KEY,
                    "required with PostgreSQL, since every instance must share one key; generate one with `openssl rand -base64 32`",
                ));
            }
        };

        let public_demo = parse_bool(PUBLIC_DEMO, var(PUBLIC_DEMO))?;
        let google = match (var(GOOGLE_CLIENT_ID), var(GOOGLE_CLIENT_SECRET)) {
            (None, None) if mode == Mode::Production && !public_demo => {
                return Err(ConfigError::new(
                    GOOGLE_CLIENT_ID,
                    format!(
                        "required in production (the public URL {public_url} is not a loopback address): \
                         the built-in Google emulator would let anyone sign in as anyone; set \
                         {GOOGLE_CLIENT_ID} and {GOOGLE_CLIENT_SECRET}, or {PUBLIC_DEMO}=true for a public demo"
                    ),
                ));
            }
            (None, None) => GoogleSettings::Emulator,
            // Google redirects only to the URI registered for the client, and
            // accepts http only for loopback: an address guessed from the
            // bind address is wrong behind a proxy, so it must be said.
            (Some(_), Some(_)) if var(PUBLIC_URL).is_none() => {
                return Err(ConfigError::new(
                    PUBLIC_URL,
                    format!(
                        "required with a Google client: set it to the address whose /auth/google/callback is \
                         registered as the client's redirect URI (https://…, or http://127.0.0.1:PORT or \
                         http://localhost:PORT on your own machine); today it would be {public_url}"
                    ),
                ));
            }
            (Some(client_id), Some(client_secret)) => GoogleSettings::Google {
                client_id,
                client_secret: SecretString::from(client_secret),
                issuer_url: parse_http_url(
                    GOOGLE_ISSUER_URL,
                    &var(GOOGLE_ISSUER_URL).unwrap_or_else(|| "https://accounts.google.com".to_owned()),
                )?,
                calendar_api_url: parse_http_url(
                    GOOGLE_CALENDAR_API_URL,
                    &var(GOOGLE_CALENDAR_API_URL)
                        .unwrap_or_else(|| "https://www.googleapis.com/calendar/v3".to_owned()),
                )?,
            },
            (Some(_), None) => {
                return Err(ConfigError::new(
                    GOOGLE_CLIENT_SECRET,
                    "missing: set it together with GOOGLE_CLIENT_ID",
                ));
            }
            (None, Some(_)) => {
                return Err(ConfigError::new(
                    GOOGLE_CLIENT_ID,
                    "missing: set it together with GOOGLE_CLIENT_SECRET",
                ));
            }
        };

        let smtp = var(SMTP_URL).map(|value| parse_smtp_url(&value)).transpose()?;
        if smtp.is_none() && mode == Mode::Production {
            return Err(ConfigError::new(
                SMTP_URL,
                "required in production: without it invitations are never sent, and the development \
                 mailbox is not served",
            ));
        }

        let mail_from = var(MAIL_FROM).unwrap_or_else(|| {
            format!("BookMate <bookings@{}>", public_url.host_str().unwrap_or("localhost"))
        });
        if !mail_from.contains('@') {
            return Err(ConfigError::new(
                MAIL_FROM,
                format!("`{mail_from}` is not an address such as BookMate <bookings@example.com>"),
            ));
        }

        let log_filter = var(LOG).unwrap_or_else(|| DEFAULT_LOG.to_owned());
        if !crate::telemetry::is_valid_filter(&log_filter) {
            return Err(ConfigError::new(
                LOG,
                format!("`{log_filter}` is not a filter such as `info` or `server=debug,info`"),
            ));
        }

        let trusted_proxies =
            var(TRUSTED_PROXIES).map(|value| parse_networks(&value)).transpose()?.unwrap_or_default();

        Ok(Self {
            mode,
            bind_addr,
            public_url,
            data_dir,
            database_url,
            secret_key,
            google,
            smtp,
            mail_from,
            log_filter,
            trusted_proxies,
            emulator_control_api: false,
            google_timeout: DEFAULT_GOOGLE_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            connection_limits: DEFAULT_CONNECTION_LIMITS,
            following: app::following::timing::FollowTiming::DEFAULT,
        })
    }
}

fn parse_http_url(variable: &'static str, value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value)
        .map_err(|error| ConfigError::new(variable, format!("`{value}` is not a URL ({error})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(ConfigError::new(variable, format!("`{value}` must be an http:// or https:// URL")));
    }
    Ok(url)
}

fn parse_bool(variable: &'static str, value: Option<String>) -> Result<bool, ConfigError> {
    match value.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("false" | "0" | "no") => Ok(false),
        Some("true" | "1" | "yes") => Ok(true),
        Some(other) => Err(ConfigError::new(variable, format!("`{other}` is not true or false"))),
    }
}

/// `10.0.0.0/8, 192.0.2.7, ::1`: a bare address is a network of one.
fn parse_networks(value: &str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    value
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<ipnet::IpNet>()
                .or_else(|_| part.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    ConfigError::new(
                        TRUSTED_PROXIES,
                        format!("`{part}` is not an address or network such as 10.0.0.0/8 or ::1"),
                    )
                })
        })
        .collect()
}

fn parse_smtp_url(value: &str) -> Result<SmtpSettings, ConfigError> {
    // The URL holds a password: it never appears in the error.
    let url =
        Url::parse(value).map_err(|error| ConfigError::new(SMTP_URL, format!("not a URL ({error})")))?;
    if !matches!(url.scheme(), "smtp" | "smtps") {
        return Err(ConfigError::new(
            SMTP_URL,
            format!("unknown scheme `{}` (use smtp://host:port or smtps://user:password@host)", url.scheme()),
        ));
    }
    let host = url.host_str().ok_or_else(|| ConfigError::new(SMTP_URL, "the URL names no host"))?;
    let server = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    Ok(SmtpSettings { url: SecretString::from(value.to_owned()), server })
}

/// The embedded default keeps its key beside its data, readable by the owner
/// only, so that restarts keep sessions and stored tokens readable.
fn load_or_create_secret_key(data_dir: &Path) -> Result<SecretKey, ConfigError> {
    let path = data_dir.join(SECRET_KEY_FILE);
    let io_error = |action: &str, error: std::io::Error| {
        ConfigError::new(SECRET_KEY, format!("not set, and could not {action} {}: {error}", path.display()))
    };
    match std::fs::read_to_string(&path) {
        Ok(value) if value.trim().chars().count() >= MIN_SECRET_KEY_CHARS => {
            return Ok(SecretKey {
                value: SecretString::from(value.trim().to_owned()),
                source: SecretKeySource::File(path),
            });
        }
        Ok(_) => {
            return Err(ConfigError::new(
                SECRET_KEY,
                format!("the key in {} is too short; delete the file to generate a new one", path.display()),
            ));
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(io_error("read", error)),
    }
    app::db::create_private_dir(data_dir).map_err(|error| io_error("create the directory for", error))?;
    let value = generate_key();
    write_owner_only(&path, &value).map_err(|error| io_error("write", error))?;
    Ok(SecretKey { value: SecretString::from(value), source: SecretKeySource::File(path) })
}

fn generate_key() -> String {
    use base64::Engine as _;
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(unix)]
fn write_owner_only(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::{io::Write as _, os::unix::fs::OpenOptionsExt as _};
    // create_new: two servers starting at once must not overwrite each
    // other's key.
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_owner_only(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn load(data_dir: &Path, pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let mut vars: HashMap<String, String> =
            pairs.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect();
        vars.entry(DATA_DIR.to_owned()).or_insert_with(|| data_dir.display().to_string());
        Settings::load(|name| vars.get(name).cloned())
    }

    #[test]
    fn the_embedded_default_needs_no_variables() {
        let dir = tempfile::tempdir().unwrap();
        let settings = load(dir.path(), &[]).unwrap();
        assert_eq!(settings.bind_addr, "127.0.0.1:3000".parse().unwrap());
        assert_eq!(settings.public_url.as_str(), "http://127.0.0.1:3000/");
        assert_eq!(settings.database_url.backend(), app::db::Backend::Sqlite);
        assert_eq!(settings.database_url.sqlite_file(), Some(dir.path().join("bookmate.db").as_path()));
        assert!(matches!(settings.google, GoogleSettings::Emulator));
        assert!(settings.smtp.is_none());
    }

    #[test]
    fn the_generated_secret_key_is_kept_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = load(dir.path(), &[]).unwrap().secret_key;
        let path = dir.path().join(SECRET_KEY_FILE);
        assert_eq!(first.source, SecretKeySource::File(path.clone()));
        assert!(first.expose().len() >= MIN_SECRET_KEY_CHARS);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let second = load(dir.path(), &[]).unwrap().secret_key;
        assert_eq!(first.expose(), second.expose());
    }

    #[test]
    fn secrets_never_appear_in_debug_output() {
        let dir = tempfile::tempdir().unwrap();
        let settings = load(
            dir.path(),
            &[
                (SECRET_KEY, "a-very-long-secret-key-that-nobody-may-see-0123"),
                (GOOGLE_CLIENT_ID, "client.apps.googleusercontent.com"),
                (GOOGLE_CLIENT_SECRET, "GOCSPX-hidden"),
                (PUBLIC_URL, "http://127.0.0.1:3000"),
                (SMTP_URL, "smtp://mailer:hunter2@mail.example.com:587"),
                (DATABASE_URL, "postgres://bookmate:dbpass@127.0.0.1/bookmate"),
            ],
        )
        .unwrap();
        let shown = format!("{settings:?}");
        for secret in ["a-very-long-secret", "GOCSPX-hidden", "hunter2", "dbpass"] {
            assert!(!shown.contains(secret), "{secret} leaked into {shown}");
        }
        assert_eq!(settings.smtp.unwrap().server, "mail.example.com:587");
    }

    #[test]
    fn bad_values_name_the_variable() {
        let dir = tempfile::tempdir().unwrap();
        let cases: [(&[(&str, &str)], &str); 9] = [
            (&[(LOG, "server=loud")], LOG),
            (&[(DATABASE_URL, "mysql://localhost/db")], DATABASE_URL),
            (&[(DATABASE_URL, "postgres://127.0.0.1/bookmate")], SECRET_KEY),
            (&[(SECRET_KEY, "short")], SECRET_KEY),
            (&[(BIND_ADDR, "localhost")], BIND_ADDR),
            (&[(PUBLIC_URL, "not a url")], PUBLIC_URL),
            (&[(GOOGLE_CLIENT_ID, "only-the-id")], GOOGLE_CLIENT_SECRET),
            (&[(SMTP_URL, "http://mail.example.com")], SMTP_URL),
            (&[(PUBLIC_URL, "ftp://example.com")], PUBLIC_URL),
        ];
        for (pairs, variable) in cases {
            let error = load(dir.path(), pairs).unwrap_err();
            assert_eq!(error.variable, variable, "{pairs:?} gave {error}");
            assert!(error.to_string().starts_with(&format!("configuration error: {variable}: ")));
        }
    }

    #[test]
    fn a_google_client_switches_from_the_emulator_to_google() {
        let dir = tempfile::tempdir().unwrap();
        let client = [(GOOGLE_CLIENT_ID, "id.apps.googleusercontent.com"), (GOOGLE_CLIENT_SECRET, "secret")];
        let guessed = load(dir.path(), &client).unwrap_err();
        assert_eq!(guessed.variable, PUBLIC_URL, "a redirect URI guessed from the bind address: {guessed}");
        let settings =
            load(dir.path(), &[client.as_slice(), &[(PUBLIC_URL, "http://localhost:3000")]].concat())
                .unwrap();
        match settings.google {
            GoogleSettings::Google { client_id, issuer_url, calendar_api_url, .. } => {
                assert_eq!(client_id, "id.apps.googleusercontent.com");
                assert_eq!(issuer_url.as_str(), "https://accounts.google.com/");
                assert_eq!(calendar_api_url.as_str(), "https://www.googleapis.com/calendar/v3");
            }
            GoogleSettings::Emulator => panic!("a configured client must not use the emulator"),
        }
    }

    #[test]
    fn cargo_leptos_site_address_is_used_when_ours_is_unset() {
        let dir = tempfile::tempdir().unwrap();
        let settings = load(dir.path(), &[(LEPTOS_SITE_ADDR, "127.0.0.1:3456")]).unwrap();
        assert_eq!(settings.bind_addr.port(), 3456);
        assert_eq!(settings.public_url.as_str(), "http://127.0.0.1:3456/");
        let ours =
            load(dir.path(), &[(LEPTOS_SITE_ADDR, "127.0.0.1:3456"), (BIND_ADDR, "127.0.0.1:4567")]).unwrap();
        assert_eq!(ours.bind_addr.port(), 4567);
    }

    const PRODUCTION: [(&str, &str); 5] = [
        (PUBLIC_URL, "https://book.example.com"),
        (BIND_ADDR, "0.0.0.0:3000"),
        (GOOGLE_CLIENT_ID, "id.apps.googleusercontent.com"),
        (GOOGLE_CLIENT_SECRET, "secret"),
        (SMTP_URL, "smtp://mail.example.com:587"),
    ];

    fn production_without(
        dir: &Path,
        missing: &[&str],
        extra: &[(&str, &str)],
    ) -> Result<Settings, ConfigError> {
        let mut pairs: Vec<(&str, &str)> =
            PRODUCTION.iter().copied().filter(|(name, _)| !missing.contains(name)).collect();
        pairs.extend_from_slice(extra);
        load(dir, &pairs)
    }

    #[test]
    fn a_loopback_public_url_is_development_and_any_other_is_production() {
        let dir = tempfile::tempdir().unwrap();
        for url in [
            "http://127.0.0.1:3000",
            "http://127.8.9.10",
            "http://localhost:3000",
            "http://[::1]:3000",
            "http://app.localhost",
        ] {
            assert_eq!(load(dir.path(), &[(PUBLIC_URL, url)]).unwrap().mode, Mode::Development, "{url}");
        }
        assert_eq!(production_without(dir.path(), &[], &[]).unwrap().mode, Mode::Production);
        for url in ["https://192.168.1.10", "https://[2001:db8::1]", "https://localhost.example.com"] {
            let settings = production_without(dir.path(), &[], &[(PUBLIC_URL, url)]).unwrap();
            assert_eq!(settings.mode, Mode::Production, "{url}");
        }
    }

    #[test]
    fn production_refuses_to_start_without_google_smtp_or_https_naming_the_variable() {
        let dir = tempfile::tempdir().unwrap();
        type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
        let cases: [Case<'_>; 4] = [
            (&[GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET], &[], GOOGLE_CLIENT_ID),
            (&[SMTP_URL], &[], SMTP_URL),
            (&[], &[(PUBLIC_URL, "http://book.example.com")], PUBLIC_URL),
            (&[PUBLIC_URL], &[], BIND_ADDR),
        ];
        for (missing, extra, variable) in cases {
            let error = production_without(dir.path(), missing, extra).unwrap_err();
            assert_eq!(error.variable, variable, "without {missing:?}, with {extra:?}: {error}");
            assert!(!error.to_string().contains('\n'), "one line: {error}");
        }
    }

    #[test]
    fn a_public_demo_may_use_the_emulator_in_production_but_nothing_sets_its_controls() {
        let dir = tempfile::tempdir().unwrap();
        let demo = production_without(
            dir.path(),
            &[GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET],
            &[(PUBLIC_DEMO, "true")],
        )
        .unwrap();
        assert!(matches!(demo.google, GoogleSettings::Emulator));
        assert!(!demo.emulator_control_api);
        let error = production_without(dir.path(), &[], &[(PUBLIC_DEMO, "perhaps")]).unwrap_err();
        assert_eq!(error.variable, PUBLIC_DEMO);
        assert!(!load(dir.path(), &[]).unwrap().emulator_control_api);
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let dir = tempfile::tempdir().unwrap();
        let settings = load(dir.path(), &[(TRUSTED_PROXIES, "127.0.0.1, 10.0.0.0/8,::1")]).unwrap();
        let shown: Vec<String> = settings.trusted_proxies.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]);
        assert!(load(dir.path(), &[]).unwrap().trusted_proxies.is_empty());
        assert_eq!(
            load(dir.path(), &[(TRUSTED_PROXIES, "10.0.0.0/33")]).unwrap_err().variable,
            TRUSTED_PROXIES
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_data_directory_is_created_for_its_owner_only() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("fresh/data");
        load(dir.path(), &[(DATA_DIR, data.to_str().unwrap())]).unwrap();
        assert_eq!(std::fs::metadata(&data).unwrap().permissions().mode() & 0o777, 0o700);
    }
}
