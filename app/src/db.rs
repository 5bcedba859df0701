//! The data layer: one connection pool over SQLite or PostgreSQL, chosen at
//! start by the database URL, and the only place (with `migrations/`) where SQL
//! lives.
//!
//! Queries go through sqlx's `Any` driver and are written once in the SQL both
//! dialects share (`$1` placeholders, `on conflict`, `returning`, times as
//! integer seconds). The integration tests run every query against both.

pub mod booking_changes;
pub mod bookings;
pub mod changes;
pub mod conferences;
pub mod daily_limits;
pub mod date_overrides;
pub mod following;
pub mod google_access_log;
pub mod google_connections;
pub mod google_jobs;
pub mod host_settings;
pub mod meeting_types;
pub mod outbox;
pub mod proposals;
pub mod sessions;
pub mod type_rules;
pub mod users;

use std::{path::Path, str::FromStr, time::Duration};

use chrono::{DateTime, TimeZone, Utc};
use sqlx::any::{install_default_drivers, AnyPoolOptions};

pub type DbPool = sqlx::AnyPool;

/// Which database a URL names. Migrations differ by dialect; queries do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A validated database URL. Parsing it is the whole of the choice between
/// SQLite and PostgreSQL: the same binary serves both, no rebuild.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    backend: Backend,
    url: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DatabaseUrlError {
    #[error(
        "unknown database scheme `{0}` (use sqlite://path/to/file.db or postgres://user:password@host/db)"
    )]
    UnknownScheme(String),
    #[error("not a URL (expected sqlite://path/to/file.db or postgres://user:password@host/db)")]
    NotAUrl,
    #[error("a SQLite URL needs a file path, as in sqlite://data/bookmate.db")]
    MissingSqlitePath,
}

impl FromStr for DatabaseUrl {
    type Err = DatabaseUrlError;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        let (scheme, rest) = url.split_once(':').ok_or(DatabaseUrlError::NotAUrl)?;
        let backend = match scheme {
            "sqlite" => Backend::Sqlite,
            "postgres" | "postgresql" => Backend::Postgres,
            other if other.is_empty() || other.contains('/') => {
                return Err(DatabaseUrlError::NotAUrl);
            }
            other => return Err(DatabaseUrlError::UnknownScheme(other.to_owned())),
        };
        if backend == Backend::Sqlite {
            let path = rest.trim_start_matches("//");
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(DatabaseUrlError::MissingSqlitePath);
            }
        }
        Ok(Self { backend, url: url.to_owned() })
    }
}

impl DatabaseUrl {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL as given, password included: for handing on, never for logs.
    pub fn expose(&self) -> &str {
        &self.url
    }

    /// The file a SQLite URL points at; `None` for PostgreSQL or in-memory
    /// databases.
    pub fn sqlite_file(&self) -> Option<&Path> {
        if self.backend != Backend::Sqlite {
            return None;
        }
        let path = self.url.split_once(':')?.1.trim_start_matches("//");
        let path = path.split('?').next()?;
        (path != ":memory:").then(|| Path::new(path))
    }

    /// The URL handed to sqlx: SQLite files are created when missing.
    fn connect_url(&self) -> String {
        if self.backend == Backend::Sqlite && !self.url.contains("mode=") {
            let separator = if self.url.contains('?') { '&' } else { '?' };
            format!("{}{separator}mode=rwc", self.url)
        } else {
            self.url.clone()
        }
    }
}

/// The password in a PostgreSQL URL must never reach a log line.
impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl DatabaseUrl {
    /// The URL with any password replaced, for logs and start-up messages.
    pub fn redacted(&self) -> String {
        let (address, query) =
            self.url.split_once('?').map_or((self.url.as_str(), None), |(a, q)| (a, Some(q)));
        let address = match (address.split_once("://"), address.rfind('@')) {
            (Some((scheme, rest)), Some(at)) => {
                let credentials = &rest[..at - scheme.len() - 3];
                let user = credentials.split(':').next().unwrap_or_default();
                format!("{scheme}://{user}:***@{}", &address[at + 1..])
            }
            _ => address.to_owned(),
        };
        // A password may come as a parameter too (`?password=`, `sslpassword=`).
        let Some(query) = query else { return address };
        let parameters: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.to_ascii_lowercase().contains("pass") => format!("{key}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        format!("{address}?{}", parameters.join("&"))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("could not create the database file or its directory {path}: {source}")]
    CreateDirectory { path: String, source: std::io::Error },
    #[error("could not connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("could not migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("that username is already taken")]
    UsernameTaken,
    #[error("a stored value could not be read: {0}")]
    Corrupt(#[source] serde_json::Error),
    #[error("column {column} holds {value:?}, which this version of BookMate does not know")]
    UnknownValue { column: &'static str, value: String },
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
}

/// The pool and the dialect it speaks.
#[derive(Clone, Debug)]
pub struct Database {
    pool: DbPool,
    backend: Backend,
}

/// Creates `path` and any missing parents readable by the owner only (0700):
/// they hold the database, the secret key and visitors' details.
pub fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// Creates an empty SQLite file (and its directory) for the owner only
/// (0600) when there is none; SQLite gives its `-wal` and `-shm` files the
/// same permissions.
fn create_private_file(file: &Path) -> std::io::Result<()> {
    if let Some(parent) = file.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        create_private_dir(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(file) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error),
    }
}

impl Database {
    /// Connects (creating a SQLite file and its directory when missing) and
    /// runs the dialect's migrations. A failed migration is an error: the
    /// server must not serve an unmigrated database.
    pub async fn connect_and_migrate(url: &DatabaseUrl) -> Result<Self, DbError> {
        let database = Self::connect(url).await?;
        database.migrate().await?;
        Ok(database)
    }

    pub async fn connect(url: &DatabaseUrl) -> Result<Self, DbError> {
        install_default_drivers();
        // Only when SQLite would create it too (no `mode=` of the operator's).
        if let Some(file) = url.sqlite_file().filter(|_| url.connect_url().ends_with("mode=rwc")) {
            create_private_file(file)
                .map_err(|source| DbError::CreateDirectory { path: file.display().to_string(), source })?;
        }
        // SQLite serialises writers anyway; a few connections serve concurrent
        // readers. PostgreSQL gets more, well under its default limit of 100.
        let max_connections = match url.backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .connect(&url.connect_url())
            .await
            .map_err(DbError::Connect)?;
        if url.backend == Backend::Sqlite {
            // WAL lets readers proceed while a booking is written; the setting
            // is stored in the file, so once is enough.
            sqlx::query("pragma journal_mode = wal").execute(&pool).await?;
        }
        Ok(Self { pool, backend: url.backend })
    }

    pub async fn migrate(&self) -> Result<(), DbError> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("../migrations/sqlite").run(&self.pool).await?,
            Backend::Postgres => sqlx::migrate!("../migrations/postgres").run(&self.pool).await?,
        }
        Ok(())
    }

    /// The migrations up to and including `version` only: for tests of a
    /// later migration on data an earlier BookMate left.
    pub async fn migrate_to(&self, version: i64) -> Result<(), DbError> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("../migrations/sqlite").run_to(version, &self.pool).await?,
            Backend::Postgres => sqlx::migrate!("../migrations/postgres").run_to(version, &self.pool).await?,
        }
        Ok(())
    }

    /// A round trip to the database, for readiness checks.
    pub async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("select 1").execute(&self.pool).await?;
        Ok(())
    }

    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Times are stored as whole seconds since the epoch in both dialects.
pub(crate) fn to_db_time(time: DateTime<Utc>) -> i64 {
    time.timestamp()
}

pub(crate) fn from_db_time(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(seconds, 0).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_and_postgres_urls_choose_their_backend() {
        let sqlite: DatabaseUrl = "sqlite://data/bookmate.db".parse().unwrap();
        assert_eq!(sqlite.backend(), Backend::Sqlite);
        assert_eq!(sqlite.sqlite_file(), Some(Path::new("data/bookmate.db")));
        let postgres: DatabaseUrl = "postgres://u:p@127.0.0.1/bookmate".parse().unwrap();
        assert_eq!(postgres.backend(), Backend::Postgres);
        assert_eq!(postgres.sqlite_file(), None);
        let long_form: DatabaseUrl = "postgresql://127.0.0.1/bookmate".parse().unwrap();
        assert_eq!(long_form.backend(), Backend::Postgres);
    }

    #[test]
    fn unknown_schemes_and_non_urls_are_refused_with_a_reason() {
        assert_eq!(
            "mysql://localhost/db".parse::<DatabaseUrl>(),
            Err(DatabaseUrlError::UnknownScheme("mysql".to_owned()))
        );
        assert_eq!("data/bookmate.db".parse::<DatabaseUrl>(), Err(DatabaseUrlError::NotAUrl));
        assert_eq!("sqlite://".parse::<DatabaseUrl>(), Err(DatabaseUrlError::MissingSqlitePath));
    }

    #[test]
    fn sqlite_files_are_created_when_missing_unless_a_mode_is_given() {
        let url: DatabaseUrl = "sqlite://data/bookmate.db".parse().unwrap();
        assert_eq!(url.connect_url(), "sqlite://data/bookmate.db?mode=rwc");
        let read_only: DatabaseUrl = "sqlite://data/bookmate.db?mode=ro".parse().unwrap();
        assert_eq!(read_only.connect_url(), "sqlite://data/bookmate.db?mode=ro");
    }

    #[test]
    fn passwords_never_appear_in_the_debug_form() {
        let url: DatabaseUrl = "postgres://bookmate:s3cret@db.internal:5432/bookmate".parse().unwrap();
        let shown = format!("{url:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert_eq!(shown, "postgres://bookmate:***@db.internal:5432/bookmate");
        let in_the_query: DatabaseUrl =
            "postgres://bookmate@db.internal/bookmate?sslmode=require&password=s3cret".parse().unwrap();
        assert_eq!(
            format!("{in_the_query:?}"),
            "postgres://bookmate:***@db.internal/bookmate?sslmode=require&password=***"
        );
    }

    #[test]
    fn times_round_trip_through_their_stored_form() {
        let time = Utc.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap();
        assert_eq!(from_db_time(to_db_time(time)), time);
    }
}
