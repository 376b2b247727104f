//! Why the service will not start with this configuration; every message says what to change.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value the service cannot run with; `name` is the variable that sets it.
    #[error("{name}: {why}")]
    Invalid { name: String, why: String },
    /// The configuration file is not TOML of the expected shape: an unknown key, a wrong type.
    #[error("{path} is not valid configuration: {source}")]
    Toml {
        path: PathBuf,
        source: toml::de::Error,
    },
    /// A file the configuration names is missing, a directory, or not text; `name` is the
    /// variable (or `--config`) that names it.
    #[error("cannot read {path} (named by {name}): {source}")]
    Unreadable {
        name: String,
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file the configuration names is there, but the service's user may not read it.
    #[error(
        "cannot read {path} (named by {name}): {source}; give the user the service runs as \
         read access to it"
    )]
    Permission {
        name: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "no client token is configured: set ORDERS_HOOK_CLIENT_TOKENS (comma-separated) or \
         ORDERS_HOOK_CLIENT_TOKENS_FILE (one token a line) to the token(s) given to the marketplace"
    )]
    NoClientTokens,
}

impl ConfigError {
    /// A failed read of `path`, which `name` points at.
    pub(super) fn reading(name: String, path: &Path, source: std::io::Error) -> ConfigError {
        let path = path.to_path_buf();
        if source.kind() == std::io::ErrorKind::PermissionDenied {
            ConfigError::Permission { name, path, source }
        } else {
            ConfigError::Unreadable { name, path, source }
        }
    }
}

/// Reads a file the configuration names, saying which variable named it when it cannot.
pub(super) fn read_named(name: String, path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::reading(name, path, source))
}
