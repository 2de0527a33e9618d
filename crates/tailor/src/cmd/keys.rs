//! `tailor keys`: create, list and revoke API keys. The secret is printed once, at creation.

use super::{DEFAULT_DATA_DIR, open_store};
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use tailor_model::ShopId;
use tailor_store::{KeyRole, Store};

#[derive(Args)]
pub struct KeysArgs {
    #[arg(long, default_value = DEFAULT_DATA_DIR, global = true)]
    data_dir: PathBuf,
    #[command(subcommand)]
    action: KeysAction,
}

#[derive(Subcommand)]
enum KeysAction {
    /// Make a key and print its secret (shown only now).
    Create {
        /// `public` (browser-safe) or `admin`.
        #[arg(long, default_value = "public")]
        role: String,
        /// The shop the key works for.
        #[arg(long, default_value = "default")]
        shop: String,
        /// A note for people.
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List keys (without secrets).
    List,
    /// Revoke a key by its id.
    Revoke { id: String },
}

pub fn run(a: KeysArgs) -> anyhow::Result<()> {
    let store = open_store(&a.data_dir)?;
    match a.action {
        KeysAction::Create { role, shop, label } => {
            let role = KeyRole::parse(&role).context("--role must be `public` or `admin`")?;
            let shop = ShopId::new(shop).map_err(|e| anyhow::anyhow!("--shop: {e}"))?;
            let key = store.create_key(&shop, role, &label)?;
            println!("{}", serde_json::to_string_pretty(&key)?);
        }
        KeysAction::List => {
            for k in store.list_keys()? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    k.id,
                    k.shop,
                    k.role.as_str(),
                    if k.revoked { "revoked" } else { "live" },
                    k.label
                );
            }
        }
        KeysAction::Revoke { id } => {
            if !store.revoke_key(&id)? {
                bail!("no live key with id {id:?}");
            }
            println!("revoked {id}");
        }
    }
    Ok(())
}
