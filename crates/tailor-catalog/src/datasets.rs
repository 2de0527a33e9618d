//! Public retail datasets as product feeds, so demos and evaluations run on real catalogs.
//!
//! - Instacart (`products.csv`: `product_id,product_name,aisle_id,department_id`): the title is the
//!   product name, the category path is `[department, aisle]` from `departments.csv` and
//!   `aisles.csv`. Instacart's placeholder name `missing` is not used as a category level.
//! - dunnhumby "The Complete Journey" (`products.csv`): the table has no product names, so the
//!   title is the most specific description (`product_type`, else `product_category`, else
//!   `department`) followed by the package size. The path is `[department, product_category,
//!   product_type]`. `brand` there is only `National`/`Private`, so it is kept as the attribute
//!   `brand_type`, while the product's `brand` is its maker, `manufacturer <id>`. Both header
//!   spellings are read: the 2.0 one (`product_id,manufacturer_id,department,brand,
//!   product_category,product_type,package_size`) and the original upper-case one
//!   (`PRODUCT_ID,MANUFACTURER,DEPARTMENT,BRAND,COMMODITY_DESC,SUB_COMMODITY_DESC,
//!   CURR_SIZE_OF_PRODUCT`).

use crate::CatalogError;
use crate::fields::{blank, finish, non_empty, same_names, show};
use crate::input::{BUF_SIZE, Meter, layered};
use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tailor_model::{AttrValue, FieldError, Product, ProductId};

/// Instacart's placeholder for an unknown aisle or department.
const INSTACART_MISSING: &str = "missing";

/// Instacart's aisle and department names by id, joined into each product's category path.
#[derive(Debug, Clone, Default)]
pub struct InstacartLookup {
    aisles: HashMap<String, String>,
    departments: HashMap<String, String>,
}

impl InstacartLookup {
    /// Loads `aisles.csv` and `departments.csv` (or their `.gz`) from `dir`.
    pub fn from_dir(dir: &Path) -> Result<Self, CatalogError> {
        let aisles = load_table(dir, "aisles.csv", "aisle_id", "aisle")?;
        let departments = load_table(dir, "departments.csv", "department_id", "department")?;
        Ok(Self {
            aisles,
            departments,
        })
    }

    /// Reads the two tables from any readers (`aisle_id,aisle` and `department_id,department`).
    pub fn from_readers(
        aisles: impl Read + Send + 'static,
        departments: impl Read + Send + 'static,
    ) -> Result<Self, CatalogError> {
        let p = PathBuf::from;
        Ok(Self {
            aisles: read_table(Box::new(aisles), &p("aisles.csv"), "aisle_id", "aisle")?,
            departments: read_table(
                Box::new(departments),
                &p("departments.csv"),
                "department_id",
                "department",
            )?,
        })
    }

    /// Number of aisles and departments known.
    pub fn len(&self) -> (usize, usize) {
        (self.aisles.len(), self.departments.len())
    }

    /// Whether both tables are empty.
    pub fn is_empty(&self) -> bool {
        self.aisles.is_empty() && self.departments.is_empty()
    }
}

fn load_table(
    dir: &Path,
    name: &str,
    key: &str,
    value: &str,
) -> Result<HashMap<String, String>, CatalogError> {
    let plain = dir.join(name);
    let gz = dir.join(format!("{name}.gz"));
    let path = if plain.exists() || !gz.exists() {
        plain
    } else {
        gz
    };
    let file = File::open(&path).map_err(|e| CatalogError::Companion {
        path: path.clone(),
        reason: format!("cannot open ({e}); Instacart's products.csv needs it beside it"),
    })?;
    read_table(Box::new(file), &path, key, value)
}

/// A two-column `id,name` table by header names.
fn read_table(
    source: Box<dyn Read + Send>,
    path: &Path,
    key: &str,
    value: &str,
) -> Result<HashMap<String, String>, CatalogError> {
    let fail = |reason: String| CatalogError::Companion {
        path: path.to_path_buf(),
        reason,
    };
    let meter = Arc::new(Meter::default());
    let input = layered(source, &meter).map_err(|e| fail(e.to_string()))?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .buffer_capacity(BUF_SIZE)
        .from_reader(input);
    let headers = rdr.headers().map_err(|e| fail(e.to_string()))?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
            .ok_or_else(|| fail(format!("no {name:?} column in the header")))
    };
    let (k, v) = (col(key)?, col(value)?);
    let mut out = HashMap::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| fail(e.to_string()))?;
        let line = rec.position().map_or(0, |p| p.line());
        match (rec.get(k).and_then(non_empty), rec.get(v)) {
            (Some(id), Some(name)) => {
                out.insert(id, name.trim().to_string());
            }
            _ if rec.iter().all(|f| f.trim().is_empty()) => {}
            _ => return Err(fail(format!("line {line}: needs {key} and {value}"))),
        }
    }
    Ok(out)
}

/// Column positions of an Instacart `products.csv`.
#[derive(Debug)]
pub(crate) struct InstacartColumns {
    id: usize,
    name: usize,
    aisle: usize,
    department: usize,
}

impl InstacartColumns {
    pub(crate) fn from_header(header: &[String]) -> Result<Self, String> {
        let col = |n: &str| find(header, &[n]);
        Ok(Self {
            id: col("product_id")?,
            name: col("product_name")?,
            aisle: col("aisle_id")?,
            department: col("department_id")?,
        })
    }

    pub(crate) fn product(
        &self,
        lookup: &InstacartLookup,
        fields: &[&str],
        row: usize,
    ) -> Result<Product, Vec<FieldError>> {
        let get = |i: usize| fields.get(i).map_or("", |s| s.trim());
        let mut errs = Vec::new();
        let mut p = start(
            get(self.id),
            get(self.name),
            row,
            &mut errs,
            "product_id",
            "product_name",
        )?;
        let mut lookup_one =
            |table: &HashMap<String, String>, i: usize, field: &str, file: &str| {
                let id = get(i);
                let found = table.get(id);
                if found.is_none() {
                    errs.push(FieldError::new(
                        Some(row),
                        field,
                        format!("{} is not in {file}", show(id)),
                    ));
                }
                found.filter(|name| *name != INSTACART_MISSING).cloned()
            };
        let department = lookup_one(
            &lookup.departments,
            self.department,
            "department_id",
            "departments.csv",
        );
        let aisle = lookup_one(&lookup.aisles, self.aisle, "aisle_id", "aisles.csv");
        if let Some(d) = department {
            p.categories.push(std::iter::once(d).chain(aisle).collect());
        }
        finish(p, errs, Some(row), &|f| {
            (f == "title").then_some("product_name")
        })
    }
}

/// Column positions of a dunnhumby `products.csv`, either header spelling.
#[derive(Debug)]
pub(crate) struct DunnhumbyColumns {
    id: usize,
    manufacturer: Option<usize>,
    department: Option<usize>,
    brand: Option<usize>,
    category: Option<usize>,
    kind: Option<usize>,
    size: Option<usize>,
}

impl DunnhumbyColumns {
    pub(crate) fn from_header(header: &[String]) -> Result<Self, String> {
        let opt = |names: &[&str]| find(header, names).ok();
        Ok(Self {
            id: find(header, &["product_id"])?,
            manufacturer: opt(&["manufacturer_id", "manufacturer"]),
            department: opt(&["department"]),
            brand: opt(&["brand"]),
            category: opt(&["product_category", "commodity_desc"]),
            kind: opt(&["product_type", "sub_commodity_desc"]),
            size: opt(&["package_size", "curr_size_of_product"]),
        })
    }

    pub(crate) fn product(&self, fields: &[&str], row: usize) -> Result<Product, Vec<FieldError>> {
        let get = |i: Option<usize>| {
            i.and_then(|i| fields.get(i))
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
        };
        let id = get(Some(self.id)).unwrap_or("");
        let (department, category, kind, size) = (
            get(self.department),
            get(self.category),
            get(self.kind),
            get(self.size),
        );
        let base = kind.or(category).or(department);
        let title = match (base, size) {
            (Some(b), Some(s)) => format!("{b} {s}"),
            (Some(b), None) => b.to_string(),
            (None, _) => format!("Product {id}"),
        };
        let mut errs = Vec::new();
        let mut p = start(id, &title, row, &mut errs, "product_id", "title")?;
        let path: Vec<String> = [department, category, kind]
            .into_iter()
            .map_while(|level| level.map(str::to_string))
            .collect();
        if !path.is_empty() {
            p.categories.push(path);
        }
        if let Some(m) = get(self.manufacturer) {
            p.brand = Some(format!("manufacturer {m}"));
            let attr = m
                .parse::<f64>()
                .map_or_else(|_| AttrValue::Text(m.to_string()), AttrValue::Number);
            p.attributes.insert("manufacturer_id".into(), attr);
        }
        if let Some(b) = get(self.brand) {
            p.attributes
                .insert("brand_type".into(), AttrValue::Text(b.to_string()));
        }
        if let Some(s) = size {
            p.attributes
                .insert("package_size".into(), AttrValue::Text(s.to_string()));
        }
        finish(p, errs, Some(row), &same_names)
    }
}

/// A column by any of its names, case-insensitively.
fn find(header: &[String], names: &[&str]) -> Result<usize, String> {
    header
        .iter()
        .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
        .ok_or_else(|| {
            format!(
                "the header has no {} column (found: {})",
                names.join(" or "),
                header.join(", ")
            )
        })
}

/// A product with id and title set, recording in `errs` why either is unusable.
fn start(
    id: &str,
    title: &str,
    row: usize,
    errs: &mut Vec<FieldError>,
    id_field: &str,
    title_field: &str,
) -> Result<Product, Vec<FieldError>> {
    let mut p = blank(Some(row))?;
    match ProductId::new(id) {
        Ok(id) => p.id = id,
        Err(e) => errs.push(FieldError::new(Some(row), id_field, e.to_string())),
    }
    if title.trim().is_empty() {
        errs.push(FieldError::new(Some(row), title_field, "is required"));
    }
    p.title = title.trim().to_string();
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(s: &str) -> Vec<String> {
        s.split(',').map(str::to_string).collect()
    }

    #[test]
    fn instacart_joins_department_and_aisle() {
        let lookup = InstacartLookup::from_readers(
            &b"aisle_id,aisle\n61,cookies cakes\n100,missing\n"[..],
            &b"department_id,department\n19,snacks\n21,missing\n"[..],
        )
        .unwrap();
        assert_eq!(lookup.len(), (2, 2));
        let cols = InstacartColumns::from_header(&header(
            "product_id,product_name,aisle_id,department_id",
        ))
        .unwrap();
        let p = cols
            .product(&lookup, &["1", "Chocolate Sandwich Cookies", "61", "19"], 2)
            .unwrap();
        assert_eq!(p.categories, vec![vec!["snacks", "cookies cakes"]]);
        let p = cols
            .product(&lookup, &["2", "Mystery", "100", "21"], 3)
            .unwrap();
        assert!(p.categories.is_empty());
        let errs = cols.product(&lookup, &["", "", "7", "19"], 4).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["product_id", "product_name", "aisle_id"]);
        assert!(InstacartColumns::from_header(&header("id,name")).is_err());
    }

    #[test]
    fn dunnhumby_both_headers() {
        let new = DunnhumbyColumns::from_header(&header(
            "product_id,manufacturer_id,department,brand,product_category,product_type,package_size",
        ))
        .unwrap();
        let p = new
            .product(
                &[
                    "25671",
                    "2",
                    "GROCERY",
                    "National",
                    "FRZN ICE",
                    "ICE - CRUSHED/CUBED",
                    "22 LB",
                ],
                2,
            )
            .unwrap();
        assert_eq!(p.title, "ICE - CRUSHED/CUBED 22 LB");
        assert_eq!(p.brand.as_deref(), Some("manufacturer 2"));
        assert_eq!(
            p.categories,
            vec![vec!["GROCERY", "FRZN ICE", "ICE - CRUSHED/CUBED"]]
        );
        assert_eq!(
            p.attributes["brand_type"],
            AttrValue::Text("National".into())
        );
        let p = new
            .product(&["26081", "2", "MISCELLANEOUS", "National", "", "", ""], 3)
            .unwrap();
        assert_eq!(p.title, "MISCELLANEOUS");
        assert_eq!(p.categories, vec![vec!["MISCELLANEOUS"]]);
        let old = DunnhumbyColumns::from_header(&header(
            "PRODUCT_ID,MANUFACTURER,DEPARTMENT,BRAND,COMMODITY_DESC,SUB_COMMODITY_DESC,CURR_SIZE_OF_PRODUCT",
        ))
        .unwrap();
        let p = old
            .product(&["9", "69", "", "Private", "", "", ""], 4)
            .unwrap();
        assert_eq!(p.title, "Product 9");
    }
}
