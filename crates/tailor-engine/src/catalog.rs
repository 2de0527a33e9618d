//! The in-memory catalog: every product id the shop has mentioned gets a dense `u32` item index
//! (the currency of the recommenders), and products that exist carry their data here.

use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeSet;
use std::sync::Arc;
use tailor_model::{Product, ProductId};

/// Dense item index used by every algorithm.
pub type Item = u32;

/// Dense category index: one per distinct category path prefix ("Food", "Food > Nuts").
pub type CategoryIdx = u32;

/// Product ids interned to dense indices, plus the products themselves.
#[derive(Default)]
pub struct Catalog {
    ids: Vec<ProductId>,
    index: HashMap<ProductId, Item>,
    products: Vec<Option<Arc<Product>>>,
    // Each product's tile (`Product::tile`) as JSON object members without the braces, rendered
    // once per upsert: list responses copy it instead of escaping every field per request.
    tiles: Vec<Arc<str>>,
    categories: Vec<Vec<CategoryIdx>>,
    category_index: HashMap<String, CategoryIdx>,
    category_names: Vec<String>,
    members: HashMap<CategoryIdx, BTreeSet<Item>>,
    // Lowercased brand to its items: stated favourite brands become candidates.
    brands: HashMap<String, BTreeSet<Item>>,
    live: usize,
}

/// `p`'s tile as JSON object members, without the enclosing braces.
fn tile_members(p: &Product) -> Arc<str> {
    let json = serde_json::to_string(&p.tile()).expect("a tile serializes");
    json[1..json.len() - 1].into()
}

/// How category paths are joined into one key.
pub const CATEGORY_SEPARATOR: &str = " > ";

impl Catalog {
    /// The item index of `id`, creating one if the id is new (events may name products the feed
    /// has not delivered yet).
    pub fn intern(&mut self, id: &ProductId) -> Item {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        let i = self.ids.len() as Item;
        self.ids.push(id.clone());
        self.index.insert(id.clone(), i);
        self.products.push(None);
        self.tiles.push(Arc::default());
        self.categories.push(Vec::new());
        i
    }

    /// The item index of `id`, if it was ever seen.
    pub fn item(&self, id: &str) -> Option<Item> {
        self.index.get(id).copied()
    }

    /// The product id of an item.
    pub fn id(&self, item: Item) -> &ProductId {
        &self.ids[item as usize]
    }

    /// The product data, if the catalog has it.
    pub fn product(&self, item: Item) -> Option<&Arc<Product>> {
        self.products.get(item as usize).and_then(Option::as_ref)
    }

    /// The product's tile as JSON object members (`"brand":"…","price":…`, no braces), if the
    /// catalog has the product. Shared, so a response can be written after the state's lock
    /// is released.
    pub fn tile(&self, item: Item) -> Option<&Arc<str>> {
        self.products
            .get(item as usize)?
            .as_ref()
            .map(|_| &self.tiles[item as usize])
    }

    /// Every category prefix the item belongs to, most general first.
    pub fn categories(&self, item: Item) -> &[CategoryIdx] {
        self.categories
            .get(item as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// The category index of a path such as `Food > Nuts`, if known.
    pub fn category(&self, path: &str) -> Option<CategoryIdx> {
        self.category_index.get(path).copied()
    }

    /// The display path of a category index.
    pub fn category_name(&self, c: CategoryIdx) -> &str {
        &self.category_names[c as usize]
    }

    /// Number of interned items (with or without product data).
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no item was ever interned.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Number of products with data.
    pub fn live_products(&self) -> usize {
        self.live
    }

    /// Inserts or replaces a product.
    pub fn upsert(&mut self, p: Product) -> Item {
        let i = self.intern(&p.id);
        let mut cats = Vec::new();
        for path in &p.categories {
            for depth in 1..=path.len() {
                let key = path[..depth].join(CATEGORY_SEPARATOR);
                let next = self.category_names.len() as CategoryIdx;
                let c = *self.category_index.entry(key.clone()).or_insert_with(|| {
                    self.category_names.push(key);
                    next
                });
                if !cats.contains(&c) {
                    cats.push(c);
                }
            }
        }
        self.leave_categories(i);
        self.leave_brand(i);
        if let Some(b) = &p.brand {
            self.brands.entry(b.to_lowercase()).or_default().insert(i);
        }
        for &c in &cats {
            self.members.entry(c).or_default().insert(i);
        }
        self.categories[i as usize] = cats;
        if self.products[i as usize].is_none() {
            self.live += 1;
        }
        self.tiles[i as usize] = tile_members(&p);
        self.products[i as usize] = Some(Arc::new(p));
        i
    }

    /// Forgets a product's data; its index stays, so history that names it still resolves.
    pub fn remove(&mut self, id: &str) -> bool {
        let Some(i) = self.item(id) else { return false };
        self.leave_brand(i);
        let had = self.products[i as usize].take().is_some();
        self.tiles[i as usize] = Arc::default();
        self.leave_categories(i);
        self.categories[i as usize].clear();
        if had {
            self.live -= 1;
        }
        had
    }

    /// Every category path the catalog has used (joined with [`CATEGORY_SEPARATOR`]).
    pub fn category_names(&self) -> impl Iterator<Item = &str> {
        self.category_names.iter().map(String::as_str)
    }

    /// Items filed under a category (at any depth below it).
    pub fn members(&self, c: CategoryIdx) -> impl Iterator<Item = Item> + '_ {
        self.members.get(&c).into_iter().flatten().copied()
    }

    /// Items of a brand (any case).
    pub fn brand_members(&self, brand: &str) -> impl Iterator<Item = Item> + '_ {
        self.brands
            .get(&brand.to_lowercase())
            .into_iter()
            .flatten()
            .copied()
    }

    fn leave_brand(&mut self, item: Item) {
        if let Some(b) = self.product(item).and_then(|p| p.brand.as_ref())
            && let Some(m) = self.brands.get_mut(&b.to_lowercase())
        {
            m.remove(&item);
        }
    }

    fn leave_categories(&mut self, item: Item) {
        for c in &self.categories[item as usize] {
            if let Some(m) = self.members.get_mut(c) {
                m.remove(&item);
            }
        }
    }

    /// Items with product data, in index order.
    pub fn items(&self) -> impl Iterator<Item = (Item, &Arc<Product>)> {
        self.products
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.as_ref().map(|p| (i as Item, p)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prod(id: &str, cats: &[&[&str]]) -> Product {
        let mut p = Product::new(ProductId::new(id).unwrap(), id);
        p.categories = cats
            .iter()
            .map(|c| c.iter().map(|s| s.to_string()).collect())
            .collect();
        p
    }

    #[test]
    fn interning_is_stable_and_upsert_keeps_index() {
        let mut c = Catalog::default();
        let a = c.intern(&ProductId::new("a").unwrap());
        let mut pb = prod("b", &[&["Food", "Nuts"]]);
        pb.brand = Some("Nutwood".into());
        let b = c.upsert(pb);
        assert_eq!(c.brand_members("NUTWOOD").collect::<Vec<_>>(), [b]);
        assert_eq!(c.upsert(prod("a", &[])), a);
        assert_ne!(a, b);
        assert_eq!(c.live_products(), 2);
        let nuts = c.category("Food > Nuts").unwrap();
        let food = c.category("Food").unwrap();
        assert_eq!(c.categories(b), &[food, nuts]);
        assert_eq!(c.members(food).collect::<Vec<_>>(), [b]);
        assert!(c.remove("b"));
        assert!(!c.remove("b"));
        assert_eq!(c.live_products(), 1);
        assert_eq!(c.item("b"), Some(b));
        assert!(c.product(b).is_none());
        assert_eq!(c.members(food).count(), 0);
        assert_eq!(c.brand_members("nutwood").count(), 0);
    }

    #[test]
    fn tiles_follow_upserts_and_removals_and_escape_text() {
        let mut c = Catalog::default();
        let x = c.intern(&ProductId::new("x").unwrap());
        assert!(c.tile(x).is_none());
        let mut p = prod("x", &[]);
        p.title = "Crème \"brûlée\" \u{1F36E}\nset".into();
        p.price = Some(12.5);
        p.sale_price = Some(f64::NAN);
        c.upsert(p.clone());
        let tile = c.tile(x).unwrap().clone();
        let v: serde_json::Value = serde_json::from_str(&format!("{{{tile}}}")).unwrap();
        assert_eq!(v, serde_json::to_value(p.tile()).unwrap());
        assert_eq!(v["title"], "Crème \"brûlée\" \u{1F36E}\nset");
        assert_eq!(v["product_id"], "x");
        assert_eq!(v["price"], 12.5);
        assert!(
            v.get("sale_price").is_none(),
            "a non-finite number is left out"
        );
        p.price = Some(9.0);
        c.upsert(p);
        assert!(c.tile(x).unwrap().contains("\"price\":9.0"));
        c.remove("x");
        assert!(c.tile(x).is_none());
    }
}
