//! The client tokens and the bot token. Each comes from its own variable, which has no file key so
//! that no secret is ever written in the configuration file, or from a file that a key (or its
//! variable) names, which keeps it out of the environment and of process listings.

use super::error::{ConfigError, read_named};
use super::keys::{Env, Values, variable};
use crate::access::{Grant, Secret, parse_grants};

pub(super) struct Secrets {
    pub client_tokens: Vec<Secret>,
    pub telegram_bot_token: Option<Secret>,
    pub console_grants: Vec<Grant>,
}

impl Secrets {
    pub fn read(values: &Values, env: &Env) -> Result<Secrets, ConfigError> {
        Ok(Secrets {
            client_tokens: client_tokens(values, env)?,
            telegram_bot_token: telegram_bot_token(values, env)?,
            console_grants: console_grants(values)?,
        })
    }
}

/// The console's sign-in tokens: from their file only.
fn console_grants(values: &Values) -> Result<Vec<Grant>, ConfigError> {
    let Some(path) = &values.console_tokens_file else {
        return Ok(Vec::new());
    };
    let name = variable("console_tokens_file");
    let text = read_named(name.clone(), path)?;
    parse_grants(&text).map_err(|why| ConfigError::Invalid {
        name,
        why: format!("{}: {why}", path.display()),
    })
}

/// The variable's tokens and the file's together: during a rotation both may be in use.
fn client_tokens(values: &Values, env: &Env) -> Result<Vec<Secret>, ConfigError> {
    let mut tokens: Vec<Secret> = env
        .get(&variable("client_tokens"))
        .map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(Secret::new)
                .collect()
        })
        .unwrap_or_default();
    if let Some(path) = &values.client_tokens_file {
        let text = read_named(variable("client_tokens_file"), path)?;
        tokens.extend(
            text.lines()
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.starts_with('#'))
                .map(Secret::new),
        );
    }
    Ok(tokens)
}

/// The variable wins, and then the file is not read at all.
fn telegram_bot_token(values: &Values, env: &Env) -> Result<Option<Secret>, ConfigError> {
    if let Some(token) = env.get(&variable("telegram_bot_token")) {
        return Ok(Some(Secret::new(token.trim())));
    }
    let Some(path) = &values.telegram_bot_token_file else {
        return Ok(None);
    };
    let text = read_named(variable("telegram_bot_token_file"), path)?;
    Ok(Some(Secret::new(text.trim())).filter(|t| !t.expose().is_empty()))
}
