//! The index on its own: matching levels, typo tolerance, facets counted per group, filters,
//! the caller's hooks (hard filter and popularity), freshness and deletes, bad queries.

use tailor_model::{Product, ProductId};
use tailor_search::{
    FacetRequest, Hooks, Relaxation, SearchConfig, SearchError, SearchIndex, SearchQuery, Sort,
};

fn product(id: &str, title: &str, brand: &str, group: Option<&str>, price: f64) -> Product {
    let mut p = Product::new(ProductId::new(id).unwrap(), title);
    p.brand = Some(brand.into());
    p.group_id = group.map(String::from);
    p.price = Some(price);
    p.categories = vec![vec!["Tools".into(), "Drills".into()]];
    p
}

fn index() -> SearchIndex {
    let i = SearchIndex::new(SearchConfig::default()).unwrap();
    for (tag, p) in [
        product("a", "Cordless Drill", "Ryobi", Some("g1"), 99.0),
        product("b", "Cordless Drill Kit", "Ryobi", Some("g1"), 129.0),
        product("c", "Hammer Drill", "Bosch", None, 149.0),
        product("d", "Drill Bits Set", "Bosch", None, 19.0),
    ]
    .into_iter()
    .enumerate()
    {
        i.upsert_tagged(&p, tag as u32).unwrap();
    }
    i.refresh().unwrap();
    i
}

fn ids(r: &tailor_search::SearchResult) -> Vec<&str> {
    r.hits.iter().map(|h| h.id.as_str()).collect()
}

#[test]
fn variants_collapse_and_facets_count_groups() {
    let i = index();
    let mut q = SearchQuery::new("drill");
    q.facets = FacetRequest::all();
    let r = i.search(&q).unwrap();
    assert_eq!(r.total, 3);
    let ryobi = r.facets.brand.iter().find(|f| f.value == "Ryobi").unwrap();
    assert_eq!(ryobi.count, 1, "two variants of one group count once");
    q.collapse_groups = false;
    assert_eq!(i.search(&q).unwrap().total, 4);
}

#[test]
fn hooks_filter_matches_and_order_browse_and_popularity() {
    let i = index();
    let no_bosch = |id: &ProductId, _: Option<u32>| !matches!(id.as_str(), "c" | "d");
    let popular = |id: &ProductId, _: Option<u32>| match id.as_str() {
        "d" => 10.0,
        "c" => 5.0,
        _ => 0.0,
    };
    let mut q = SearchQuery::new("drill");
    q.facets = FacetRequest::all();
    let hooks = Hooks {
        keep: Some(&no_bosch),
        prior: Some(&popular),
    };
    let r = i.search_with(&q, hooks).unwrap();
    assert!(ids(&r).iter().all(|id| *id == "a" || *id == "b"));
    assert!(
        r.facets.brand.iter().all(|f| f.value != "Bosch"),
        "counts leave refused products out"
    );
    // Hooks see the caller's tags.
    let by_tag = |_: &ProductId, tag: Option<u32>| tag == Some(2);
    let r = i
        .search_with(
            &q,
            Hooks {
                keep: Some(&by_tag),
                prior: None,
            },
        )
        .unwrap();
    assert_eq!(ids(&r), ["c"]);
    // Browse orders by the caller's popularity; so does Sort::Popularity for a query.
    let browse = SearchQuery::new("");
    let r = i
        .search_with(
            &browse,
            Hooks {
                keep: None,
                prior: Some(&popular),
            },
        )
        .unwrap();
    assert_eq!(r.relaxation, Relaxation::Browse);
    assert_eq!(&ids(&r)[..2], ["d", "c"]);
    let mut by_pop = SearchQuery::new("drill");
    by_pop.sort = Sort::Popularity;
    let r = i
        .search_with(
            &by_pop,
            Hooks {
                keep: None,
                prior: Some(&popular),
            },
        )
        .unwrap();
    assert_eq!(&ids(&r)[..2], ["d", "c"]);
}

#[test]
fn writes_are_searchable_after_refresh_and_deletes_at_once() {
    let i = index();
    i.upsert(&product("e", "Impact Driver", "Makita", None, 89.0))
        .unwrap();
    assert!(i.is_dirty());
    i.refresh().unwrap();
    assert_eq!(ids(&i.search(&SearchQuery::new("impact")).unwrap()), ["e"]);
    assert!(i.delete(&ProductId::new("e").unwrap()));
    let r = i.search(&SearchQuery::new("impact")).unwrap();
    assert!(!ids(&r).contains(&"e"));
}

#[test]
fn typos_and_relaxation_levels() {
    let i = index();
    assert_eq!(
        i.search(&SearchQuery::new("cordlss")).unwrap().hits[0]
            .id
            .as_str(),
        "a"
    );
    let r = i.search(&SearchQuery::new("drill zebra")).unwrap();
    assert_eq!(r.relaxation, Relaxation::AnyTerm);
    let r = i.search(&SearchQuery::new("zebra")).unwrap();
    assert_eq!(r.relaxation, Relaxation::Browse);
    assert_eq!(r.total, 3, "browse still shows the shop");
}

#[test]
fn bad_queries_name_their_field() {
    let i = index();
    let mut q = SearchQuery::new("drill");
    q.limit = 100_000;
    assert!(matches!(
        i.search(&q),
        Err(SearchError::InvalidQuery { field: "limit", .. })
    ));
    let mut q = SearchQuery::new("drill");
    q.filters.min_price = Some(f64::NAN);
    assert!(matches!(
        i.search(&q),
        Err(SearchError::InvalidQuery {
            field: "min_price",
            ..
        })
    ));
}

#[test]
fn typos_take_one_edit_from_five_letters_two_from_nine_and_none_below() {
    let i = SearchIndex::new(SearchConfig::default()).unwrap();
    for (id, title) in [
        ("fridge", "French Door Refrigerator"),
        ("choc", "Dark Chocolate Bar"),
        ("tiles", "Ceramic Floor Tiles"),
        ("box", "Tool Box"),
        ("drill", "Cordless Drill"),
    ] {
        i.upsert(&product(id, title, "Acme", None, 10.0)).unwrap();
    }
    i.refresh().unwrap();
    let first = |q: &str| {
        let r = i.search(&SearchQuery::new(q)).unwrap();
        (r.hits.first().map(|h| h.id.to_string()), r.relaxation)
    };
    // Two edits in a word of nine or more letters; one in five to eight. A trailing space means
    // the last word is finished, so no prefix match helps.
    assert_eq!(
        first("refridgerater "),
        (Some("fridge".into()), Relaxation::None)
    );
    assert_eq!(first("drilk "), (Some("drill".into()), Relaxation::None));
    // Typos count on the word as typed: the stems of these differ by more than the words do.
    assert_eq!(first("chooclate "), (Some("choc".into()), Relaxation::None));
    assert_eq!(first("tikles "), (Some("tiles".into()), Relaxation::None));
    // Two edits in a five-letter word are too many.
    assert_eq!(first("dtilk ").1, Relaxation::Browse);
    // Words under five letters are never fuzzed: `bix` does not find `box`, so only `tool`
    // matches (every product is in the Tools category; the tool box best) and the query is
    // relaxed.
    let r = i.search(&SearchQuery::new("bix tool")).unwrap();
    assert_eq!(r.relaxation, Relaxation::AnyTerm);
    assert_eq!(ids(&r)[0], "box");
    // The last word, still being typed, matches as a prefix of the word as written.
    assert_eq!(first("refrig"), (Some("fridge".into()), Relaxation::None));
    assert_eq!(
        first("refrig ").1,
        Relaxation::Browse,
        "a finished word is no prefix"
    );
}
