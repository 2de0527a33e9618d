//! API keys: a public key is safe in a browser, an admin key is not. Only a hash of the secret
//! is stored, so a leaked database does not leak working keys.

use serde::Serialize;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyRole {
    /// Browser-safe: events, recommendations, search, the shopper's own data.
    Public,
    /// Everything in its shop: catalog, rules, analytics, exports, other shoppers' data.
    Admin,
}

impl KeyRole {
    /// The stored and CLI spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Admin => "admin",
        }
    }
    /// Parses `public` or `admin`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "public" => Some(Self::Public),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// A key as listed: everything but the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// Public identifier, used to revoke.
    pub id: String,
    /// The one shop this key works for.
    pub shop: tailor_model::ShopId,
    /// What it may do.
    pub role: KeyRole,
    /// A note for people.
    pub label: String,
    /// Whether it still works.
    pub revoked: bool,
}

/// A freshly made key, with its secret (shown once).
#[derive(Debug, Clone, Serialize)]
pub struct ApiKey {
    /// Everything but the secret.
    pub info: KeyInfo,
    /// The bearer token.
    pub secret: String,
}

/// A new random secret with a prefix that tells the role at a glance.
pub(crate) fn new_secret(role: KeyRole) -> String {
    let prefix = match role {
        KeyRole::Public => "tpk",
        KeyRole::Admin => "tak",
    };
    format!(
        "{prefix}_{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// The stored form of a secret.
pub(crate) fn hash_secret(secret: &str) -> String {
    sha1_smol::Sha1::from(secret.as_bytes())
        .digest()
        .to_string()
}
