//! Open Food Facts taxonomies (ingredients, labels) as built JSON: `{"en:milk": {"name": {lang:
//! text}, "synonyms": {lang: [text]}, "parents": [id], "<property>": {lang: value}}}`. Held as
//! dense nodes with a name index per language, so ingredient text can be looked up phrase by
//! phrase and a match walked up to its ancestors.

use crate::CatalogError;
use serde_json::Value;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// Properties kept from each node (the others are nutrition and provenance data).
const KEPT: [&str; 3] = ["vegan", "vegetarian", "allergens"];

/// One taxonomy, nodes in id order.
#[derive(Debug, Default)]
pub struct Taxonomy {
    ids: Vec<String>,
    index: HashMap<String, usize>,
    parents: Vec<Vec<usize>>,
    /// Per node, the kept properties (`vegan` -> `yes`), English value first.
    props: Vec<Vec<(&'static str, String)>>,
    /// Language -> normalised name or synonym -> node.
    names: HashMap<String, HashMap<String, usize>>,
}

/// Lowercase, `-`/`_` as spaces, runs of whitespace as one space: how names and text compare.
pub fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s
        .to_lowercase()
        .replace(['-', '_', '\u{2019}', '\''], " ")
        .split_whitespace()
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

impl Taxonomy {
    /// Reads a taxonomy file (`.json` or `.json.gz`).
    pub fn load(path: &Path) -> Result<Self, CatalogError> {
        let f = std::fs::File::open(path)?;
        let mut text = String::new();
        if path.extension().is_some_and(|e| e == "gz") {
            flate2::read::GzDecoder::new(f).read_to_string(&mut text)?;
        } else {
            std::io::BufReader::new(f).read_to_string(&mut text)?;
        }
        let bad = |reason: String| CatalogError::Companion {
            path: path.to_path_buf(),
            reason,
        };
        let v: Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        Self::from_json(&v).map_err(bad)
    }

    /// Builds from the parsed JSON object.
    pub fn from_json(v: &Value) -> Result<Self, String> {
        let obj = v
            .as_object()
            .ok_or("a taxonomy must be a JSON object of nodes")?;
        let mut t = Taxonomy::default();
        let mut ids: Vec<&String> = obj.keys().collect();
        ids.sort();
        for (i, id) in ids.iter().enumerate() {
            t.ids.push((*id).clone());
            t.index.insert((*id).clone(), i);
        }
        for id in ids {
            let node = &obj[id];
            let i = t.index[id];
            t.parents.push(
                node.get("parents")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|p| t.index.get(p.as_str()?).copied())
                            .collect()
                    })
                    .unwrap_or_default(),
            );
            let mut props = Vec::new();
            for k in KEPT {
                if let Some(m) = node.get(k).and_then(Value::as_object) {
                    let v = m.get("en").or_else(|| m.values().next());
                    if let Some(s) = v.and_then(Value::as_str) {
                        props.push((k, s.trim().to_lowercase()));
                    }
                }
            }
            t.props.push(props);
            let mut add = |lang: &str, name: &str| {
                let n = normalise(name);
                if !n.is_empty() {
                    // The first node to claim a name keeps it (ids are sorted: stable).
                    t.names
                        .entry(lang.to_string())
                        .or_default()
                        .entry(n)
                        .or_insert(i);
                }
            };
            if let Some((lang, rest)) = id.split_once(':') {
                add(lang, rest);
            }
            if let Some(m) = node.get("name").and_then(Value::as_object) {
                for (lang, n) in m {
                    if let Some(n) = n.as_str() {
                        add(lang, n);
                    }
                }
            }
            if let Some(m) = node.get("synonyms").and_then(Value::as_object) {
                for (lang, list) in m {
                    for n in list
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                    {
                        add(lang, n);
                    }
                }
            }
        }
        Ok(t)
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The node with this id (`en:milk`).
    pub fn node(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// A node's id.
    pub fn id(&self, node: usize) -> &str {
        &self.ids[node]
    }

    /// The node a normalised phrase names in `lang`.
    pub fn lookup(&self, lang: &str, phrase: &str) -> Option<usize> {
        self.names.get(lang)?.get(phrase).copied()
    }

    /// Whether `lang` has any names.
    pub fn has_language(&self, lang: &str) -> bool {
        self.names.contains_key(lang)
    }

    /// Every normalised name in `lang` with its node.
    pub fn names_in(&self, lang: &str) -> impl Iterator<Item = (&str, usize)> {
        self.names
            .get(lang)
            .into_iter()
            .flat_map(|m| m.iter().map(|(k, &v)| (k.as_str(), v)))
    }

    /// The normalised names and synonyms of node `id` in `lang`.
    pub fn names_of(&self, id: &str, lang: &str) -> Vec<String> {
        let Some(n) = self.node(id) else {
            return Vec::new();
        };
        let mut v: Vec<String> = self
            .names_in(lang)
            .filter(|(_, node)| *node == n)
            .map(|(name, _)| name.to_string())
            .collect();
        v.sort();
        v
    }

    /// `node` and all its ancestors, nearest first, each once.
    pub fn ancestors(&self, node: usize) -> Vec<usize> {
        let mut out = vec![node];
        let mut i = 0;
        while i < out.len() {
            for &p in &self.parents[out[i]] {
                if !out.contains(&p) {
                    out.push(p);
                }
            }
            i += 1;
        }
        out
    }

    /// A kept property of the node itself.
    pub fn prop(&self, node: usize, key: &str) -> Option<&str> {
        self.props[node]
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The property as inherited: the nearest of `node` and its ancestors that has it.
    pub fn inherited(&self, node: usize, key: &str) -> Option<&str> {
        self.ancestors(node)
            .into_iter()
            .find_map(|n| self.prop(n, key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_synonyms_parents_and_properties() {
        let t = Taxonomy::from_json(&json!({
            "en:dairy": {"name": {"en": "Dairy"}, "vegan": {"en": "no"}},
            "en:milk": {"name": {"en": "Milk", "fr": "Lait"}, "parents": ["en:dairy"],
                        "synonyms": {"fr": ["lait entier", "Lait-Demi écrémé"]}},
            "en:skimmed-milk": {"name": {"fr": "Lait écrémé"}, "parents": ["en:milk", "en:gone"]}
        }))
        .unwrap();
        let milk = t.lookup("fr", "lait").unwrap();
        assert_eq!(t.id(milk), "en:milk");
        assert_eq!(t.lookup("fr", "lait demi écrémé"), Some(milk));
        assert_eq!(
            t.lookup("en", "skimmed milk"),
            t.node("en:skimmed-milk"),
            "the id names it too"
        );
        let sk = t.lookup("fr", "lait écrémé").unwrap();
        let chain: Vec<&str> = t.ancestors(sk).into_iter().map(|n| t.id(n)).collect();
        assert_eq!(chain, ["en:skimmed-milk", "en:milk", "en:dairy"]);
        assert_eq!(t.inherited(sk, "vegan"), Some("no"));
        assert_eq!(t.prop(sk, "vegan"), None);
        assert_eq!(t.lookup("de", "milch"), None);
        assert!(Taxonomy::from_json(&json!([1])).is_err());
    }
}
