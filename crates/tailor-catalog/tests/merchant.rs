//! Google Merchant Center feeds (TSV, CSV, RSS/Atom XML) with real-world mess.

use tailor_catalog::{
    BatchMode, CatalogError, Duplicates, FeedFormat, FeedReader, RowError, collect_rows,
};
use tailor_model::limits::{MAX_DESCRIPTION_LEN, MAX_TEXT_LEN};
use tailor_model::{AttrValue, Availability, Product};

fn read(format: FeedFormat, data: &str) -> Vec<Result<Product, RowError>> {
    read_bytes(format, data.as_bytes().to_vec())
}

fn read_bytes(format: FeedFormat, data: Vec<u8>) -> Vec<Result<Product, RowError>> {
    FeedReader::new(format, std::io::Cursor::new(data))
        .expect("reader")
        .collect()
}

fn ok(rows: &[Result<Product, RowError>]) -> Vec<&Product> {
    rows.iter().filter_map(|r| r.as_ref().ok()).collect()
}

fn errs(rows: &[Result<Product, RowError>]) -> Vec<&RowError> {
    rows.iter().filter_map(|r| r.as_ref().err()).collect()
}

/// `(row, field)` of every error, for compact assertions.
fn where_(rows: &[Result<Product, RowError>]) -> Vec<(usize, String)> {
    errs(rows)
        .iter()
        .flat_map(|e| e.errors.iter().map(|f| (e.row, f.field.clone())))
        .collect()
}

const TSV: &str = "id\ttitle\tdescription\tlink\timage_link\tprice\tsale_price\tavailability\tbrand\tgtin\tgoogle_product_category\tproduct_type\titem_group_id\tcolor\tsize\tcustom_label_0\tcustom_label_4\n\
    TSHIRT-1-S\tLogo T-shirt\tSoft cotton\thttps://shop.example/t1\thttps://shop.example/t1.jpg\t19.99 USD\t14.99 USD\tin_stock\tAcme\t00012345678905\tApparel & Accessories > Clothing\tClothing > Tops > T-Shirts\tTSHIRT-1\tblack\tS\tsummer\tclearance\n\
    TSHIRT-1-M\tLogo T-shirt\tSoft cotton\thttps://shop.example/t1\thttps://shop.example/t1.jpg\t19.99 USD\t\tout of stock\tAcme\t\t\tClothing > Tops > T-Shirts\tTSHIRT-1\tblack\tM\t\t\n";

#[test]
fn tsv_maps_every_merchant_field() {
    let rows = read(FeedFormat::MerchantTsv, TSV);
    assert_eq!(where_(&rows), []);
    let p = ok(&rows);
    assert_eq!(p.len(), 2);
    let s = p[0];
    assert_eq!(s.id.as_str(), "TSHIRT-1-S");
    assert_eq!(s.title, "Logo T-shirt");
    assert_eq!(s.description, "Soft cotton");
    assert_eq!(s.url.as_deref(), Some("https://shop.example/t1"));
    assert_eq!(s.image_url.as_deref(), Some("https://shop.example/t1.jpg"));
    assert_eq!((s.price, s.sale_price), (Some(19.99), Some(14.99)));
    assert_eq!(s.currency.as_deref(), Some("USD"));
    assert_eq!(s.availability, Availability::InStock);
    assert_eq!(s.brand.as_deref(), Some("Acme"));
    assert_eq!(s.group_id.as_deref(), Some("TSHIRT-1"));
    assert_eq!(s.categories, [["Clothing", "Tops", "T-Shirts"]]);
    for (k, v) in [
        ("gtin", "00012345678905"),
        (
            "google_product_category",
            "Apparel & Accessories > Clothing",
        ),
        ("color", "black"),
        ("size", "S"),
        ("custom_label_0", "summer"),
        ("custom_label_4", "clearance"),
    ] {
        assert_eq!(s.attributes.get(k), Some(&AttrValue::Text(v.into())), "{k}");
    }
    assert_eq!(p[1].availability, Availability::OutOfStock);
    assert_eq!(p[1].sale_price, None);
    assert!(!p[1].attributes.contains_key("gtin"));
}

#[test]
fn g_prefixed_headers_bom_and_crlf() {
    let data = "\u{feff}g:id\tg:title\tg:price\tg:availability\r\n1\tTea\t3.50 EUR\tpreorder\r\n2\tCoffee\t4 EUR\tbackorder\r\n";
    let rows = read(FeedFormat::MerchantTsv, data);
    let p = ok(&rows);
    assert_eq!(p.len(), 2, "{:?}", where_(&rows));
    assert_eq!(p[0].id.as_str(), "1");
    assert_eq!(p[0].availability, Availability::Preorder);
    assert_eq!(p[1].title, "Coffee");
    assert_eq!(p[1].availability, Availability::Backorder);
}

#[test]
fn quoted_newlines_keep_line_numbers_right() {
    let data = "id,title,description,price\n\
                a,\"Sofa, grey\",\"Line one\nline two\r\nline three\",100\n\
                b,Chair,,abc\n\
                c,\"Lamp \"\"XL\"\"\",\"\",5\n";
    let rows = read(FeedFormat::MerchantCsv, data);
    let p = ok(&rows);
    assert_eq!(p[0].title, "Sofa, grey");
    assert_eq!(p[0].description, "Line one\nline two\r\nline three");
    assert_eq!(p[1].title, "Lamp \"XL\"");
    // b starts on line 5: header, a's three lines, then b.
    assert_eq!(where_(&rows), [(5, "price".to_string())]);
    let e = errs(&rows)[0];
    assert_eq!(
        e.to_string(),
        r#"row 5: price: must be a number >= 0, got "abc""#
    );
}

#[test]
fn wrong_types_name_row_and_field_and_reading_goes_on() {
    let data = "id\ttitle\tprice\tsale_price\tavailability\n\
                1\tOk\t1.00\t\tin stock\n\
                2\tBad price\t12,50 EUR\t\tin stock\n\
                3\tBad availability\t1\t\tsometimes\n\
                4\tNegative\t-3\t\t\n\
                5\tCurrencies\t1 USD\t1 EUR\t\n\
                6\tOk too\t2\t1\tyes\n";
    let rows = read(FeedFormat::MerchantTsv, data);
    assert_eq!(ok(&rows).len(), 2);
    assert_eq!(
        where_(&rows),
        [
            (3, "price".to_string()),
            (4, "availability".to_string()),
            (5, "price".to_string()),
            (6, "sale_price".to_string()),
        ]
    );
    let comma = &errs(&rows)[0].errors[0].reason;
    assert!(comma.contains("period"), "{comma}");
    assert!(errs(&rows).iter().all(|e| !e.fatal));
    assert!(
        errs(&rows)
            .iter()
            .all(|e| e.errors.iter().all(|f| f.index == Some(e.row)))
    );
}

#[test]
fn unknown_columns_become_attributes() {
    let data = "id,title,Finish,Material,g:energy_efficiency_class,MPN,shipping(country:price)\n\
                1,Desk,matte,oak,A++,X-1,US:10 USD\n";
    let rows = read(FeedFormat::MerchantCsv, data);
    let p = ok(&rows)[0];
    let keys: Vec<_> = p.attributes.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "Finish", // unknown: kept as written
            "energy_efficiency_class",
            "material", // a Merchant attribute: its canonical name
            "mpn",
            "shipping(country:price)"
        ]
    );
}

#[test]
fn unicode_titles_survive() {
    let data = "id\ttitle\tbrand\tproduct_type\n\
                jp-1\t抹茶ラテ 🍵 オーガニック\t伊藤園\t飲料 > お茶\n\
                emoji-😀\tSmiley 😀 mug ☕\tMüller & Söhne\tKüche > Tassen\n";
    let rows = read(FeedFormat::MerchantTsv, data);
    let p = ok(&rows);
    assert_eq!(p.len(), 2, "{:?}", where_(&rows));
    assert_eq!(p[0].title, "抹茶ラテ 🍵 オーガニック");
    assert_eq!(p[0].categories, [["飲料", "お茶"]]);
    assert_eq!(p[1].id.as_str(), "emoji-😀");
    assert_eq!(p[1].brand.as_deref(), Some("Müller & Söhne"));
}

#[test]
fn invalid_utf8_is_a_row_error() {
    let mut data = b"id,title\n1,Caf".to_vec();
    data.push(0xE9); // Latin-1 é
    data.extend_from_slice(b"\n2,Tea\n");
    let rows = read_bytes(FeedFormat::MerchantCsv, data);
    assert_eq!(where_(&rows), [(2, "title".to_string())]);
    assert!(errs(&rows)[0].errors[0].reason.contains("UTF-8"));
    assert_eq!(ok(&rows).len(), 1);
}

#[test]
fn empty_and_header_only_files_have_no_rows() {
    for data in [
        "",
        "\n\n",
        "\u{feff}",
        "id\ttitle\tprice\n",
        "id\ttitle\r\n\r\n\t\t\n  \n",
    ] {
        let rows = read(FeedFormat::MerchantTsv, data);
        assert!(rows.is_empty(), "{data:?}: {rows:?}");
    }
}

#[test]
fn empty_trailing_lines_and_delimiter_only_lines_are_skipped() {
    let data = "id,title\n1,A\n\n,\n2,B\n\n\n";
    let rows = read(FeedFormat::MerchantCsv, data);
    assert_eq!(ok(&rows).len(), 2);
    assert!(errs(&rows).is_empty());
}

#[test]
fn missing_required_columns_stop_the_feed() {
    let rows = read(FeedFormat::MerchantCsv, "sku,title\n1,A\n2,B\n");
    assert_eq!(rows.len(), 1);
    let e = errs(&rows)[0];
    assert!(e.fatal);
    assert_eq!(e.row, 1);
    assert!(e.errors[0].reason.contains("\"id\""), "{e}");
    let rows = read(FeedFormat::MerchantTsv, "id\tname\n1\tA\n");
    assert!(errs(&rows)[0].errors[0].reason.contains("\"title\""));
}

#[test]
fn missing_required_values_are_row_errors() {
    let data = "id,title,price\n,No id,1\n2,,1\n3,  ,1\n4,Fine,\n";
    let rows = read(FeedFormat::MerchantCsv, data);
    assert_eq!(
        where_(&rows),
        [
            (2, "id".to_string()),
            (3, "title".to_string()),
            (4, "title".to_string())
        ]
    );
    assert_eq!(ok(&rows).len(), 1);
}

#[test]
fn wrong_field_count_is_a_row_error_with_a_quote_hint() {
    let data = "id,title,price\n1,A\n2,B,1,extra\n3,\"C\n4,D,1\n";
    let rows = read(FeedFormat::MerchantCsv, data);
    let e = errs(&rows);
    assert_eq!(e[0].row, 2);
    assert!(
        e[0].errors[0]
            .reason
            .contains("has 2 fields but the header has 3")
    );
    assert_eq!(e[1].row, 3);
    // The unclosed quote on line 4 swallows the rest of the file into one field.
    assert_eq!(e[2].row, 4);
    assert!(e[2].errors[0].reason.contains("quote"), "{}", e[2]);
}

#[test]
fn huge_fields_over_the_limits_are_named() {
    let title = "t".repeat(MAX_TEXT_LEN + 1);
    let description = "d".repeat(MAX_DESCRIPTION_LEN + 1);
    let link = format!("https://x/{}", "l".repeat(MAX_TEXT_LEN));
    let custom = "c".repeat(MAX_TEXT_LEN + 1);
    let data = format!(
        "id\ttitle\tdescription\tlink\tcustom_label_0\n1\t{title}\t{description}\t{link}\t{custom}\n2\tok\t{}\t\t\n",
        "d".repeat(MAX_DESCRIPTION_LEN)
    );
    let rows = read(FeedFormat::MerchantTsv, &data);
    assert_eq!(
        where_(&rows),
        [
            (2, "title".to_string()),
            (2, "description".to_string()),
            (2, "link".to_string()),
            (2, "attributes.custom_label_0".to_string())
        ]
    );
    assert_eq!(ok(&rows).len(), 1);
    let id = "i".repeat(300);
    let rows = read(FeedFormat::MerchantTsv, &format!("id\ttitle\n{id}\tx\n"));
    assert_eq!(where_(&rows), [(2, "id".to_string())]);
}

#[test]
fn a_runaway_quote_cannot_load_the_file_into_memory() {
    let mut data = String::from("id,title\n1,\"unclosed\n");
    let line = "2,just another row that is now inside the quote\n";
    while data.len() <= (tailor_catalog::MAX_RECORD_BYTES as usize) + 200_000 {
        data.push_str(line);
    }
    let rows = read(FeedFormat::MerchantCsv, &data);
    let last = errs(&rows).pop().cloned().expect("an error");
    assert!(last.fatal);
    assert!(last.to_string().contains("quote"), "{last}");
}

#[test]
fn duplicate_ids_reject_the_later_row_by_default() {
    let data = "id\ttitle\n1\tFirst\n2\tOther\n1\tSecond\n";
    let rows = read(FeedFormat::MerchantTsv, data);
    assert_eq!(where_(&rows), [(4, "id".to_string())]);
    assert!(errs(&rows)[0].errors[0].reason.contains("line 2"));
    assert_eq!(ok(&rows)[0].title, "First");

    let allowed: Vec<_> = FeedReader::new(FeedFormat::MerchantTsv, data.as_bytes())
        .unwrap()
        .with_duplicates(Duplicates::Allow)
        .collect();
    assert_eq!(ok(&allowed).len(), 3);
}

#[test]
fn batch_modes_over_a_feed() {
    let data = "id,title,price\n1,A,1\n2,B,x\n3,C,3\n";
    let feed = || FeedReader::new(FeedFormat::MerchantCsv, data.as_bytes()).unwrap();
    match collect_rows(feed(), BatchMode::AllOrNothing) {
        Err(CatalogError::Rejected { errors, total }) => {
            assert_eq!(total, 1);
            assert_eq!(errors[0].row, 3);
        }
        other => panic!("{other:?}"),
    }
    let kept = collect_rows(feed(), BatchMode::KeepValid).unwrap();
    assert_eq!(kept.products.len(), 2);
    assert_eq!(kept.errors.len(), 1);
    assert!(kept.is_complete());
}

#[test]
fn generated_100k_row_tsv() {
    const N: usize = 100_000;
    let mut data = String::with_capacity(N * 120);
    data.push_str("id\ttitle\tprice\tavailability\tproduct_type\tbrand\tcolor\n");
    for i in 0..N {
        let avail = if i % 3 == 0 {
            "out_of_stock"
        } else {
            "in_stock"
        };
        data.push_str(&format!(
            "sku-{i}\tProduct number {i} ✓\t{}.{:02} EUR\t{avail}\tDept {} > Aisle {}\tBrand {}\tc{}\n",
            i % 500,
            i % 100,
            i % 20,
            i % 200,
            i % 50,
            i % 7
        ));
    }
    let total = data.len() as u64;
    let mut reader = FeedReader::new(FeedFormat::MerchantTsv, std::io::Cursor::new(data)).unwrap();
    let progress = reader.progress();
    let mut count = 0;
    let mut out_of_stock = 0;
    for row in reader.by_ref() {
        let p = row.expect("every generated row is valid");
        count += 1;
        out_of_stock += usize::from(p.availability == Availability::OutOfStock);
    }
    assert_eq!(count, N);
    assert_eq!(out_of_stock, N.div_ceil(3));
    assert_eq!(reader.last_row(), N + 1);
    assert_eq!(progress.bytes_read(), total);
}

const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss xmlns:g="http://base.google.com/ns/1.0" version="2.0">
  <channel>
    <title>Example store</title>
    <link>https://shop.example</link>
    <description>Feed</description>
    <item>
      <g:id>TV-1</g:id>
      <title>Plain RSS title loses</title>
      <g:title>55" 4K TV &amp; stand</g:title>
      <g:description><![CDATA[<p>Big <b>screen</b></p>]]></g:description>
      <g:link>https://shop.example/tv</g:link>
      <g:image_link>https://shop.example/tv.jpg</g:image_link>
      <g:additional_image_link>https://shop.example/tv2.jpg</g:additional_image_link>
      <g:additional_image_link>https://shop.example/tv3.jpg</g:additional_image_link>
      <g:price>499.00 USD</g:price>
      <g:sale_price>449.00 USD</g:sale_price>
      <g:availability>in stock</g:availability>
      <g:brand>Brandy&#39;s</g:brand>
      <g:gtin>0123456789012</g:gtin>
      <g:product_type>Electronics &gt; TV</g:product_type>
      <g:product_type>Sale &gt; TV</g:product_type>
      <g:shipping>
        <g:country>US</g:country>
        <g:price>0 USD</g:price>
      </g:shipping>
      <g:custom_label_1>hero</g:custom_label_1>
      <pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate>
    </item>
    <item>
      <g:id>JP-1</g:id>
      <g:title>日本茶セット 🍵</g:title>
      <g:price>1200 JPY</g:price>
      <g:availability>preorder</g:availability>
    </item>
    <item>
      <g:id>BAD-1</g:id>
      <g:title>Broken</g:title>
      <g:price>free</g:price>
    </item>
  </channel>
</rss>
"#;

#[test]
fn rss_items_map_like_tsv_rows() {
    let rows = read(FeedFormat::MerchantXml, RSS);
    let p = ok(&rows);
    assert_eq!(p.len(), 2);
    let tv = p[0];
    assert_eq!(tv.id.as_str(), "TV-1");
    assert_eq!(tv.title, "55\" 4K TV & stand");
    assert_eq!(tv.description, "<p>Big <b>screen</b></p>");
    assert_eq!(tv.url.as_deref(), Some("https://shop.example/tv"));
    assert_eq!((tv.price, tv.sale_price), (Some(499.0), Some(449.0)));
    assert_eq!(tv.brand.as_deref(), Some("Brandy's"));
    assert_eq!(tv.categories, [["Electronics", "TV"], ["Sale", "TV"]]);
    assert_eq!(
        tv.attributes["additional_image_link"],
        AttrValue::List(vec![
            "https://shop.example/tv2.jpg".into(),
            "https://shop.example/tv3.jpg".into()
        ])
    );
    assert_eq!(
        tv.attributes["shipping"],
        AttrValue::Text("US 0 USD".into())
    );
    assert!(tv.attributes.contains_key("pubDate"));
    assert_eq!(p[1].title, "日本茶セット 🍵");
    assert_eq!(p[1].currency.as_deref(), Some("JPY"));
    // The bad item is reported at the line its <item> opens on.
    let bad_line = RSS.lines().position(|l| l.contains("BAD-1")).unwrap(); // 0-based line of g:id
    assert_eq!(where_(&rows), [(bad_line, "price".to_string())]);
}

#[test]
fn atom_entries_read_too() {
    let atom = r#"<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:g="http://base.google.com/ns/1.0">
  <title>Store</title>
  <entry>
    <id>tag:shop.example,2024:1</id>
    <g:id>A-1</g:id>
    <title>Atom product</title>
    <summary>From the summary</summary>
    <link rel="alternate" href="https://shop.example/a1"/>
    <g:price>5 GBP</g:price>
  </entry>
</feed>"#;
    let rows = read(FeedFormat::MerchantXml, atom);
    let p = ok(&rows);
    assert_eq!(p.len(), 1, "{:?}", where_(&rows));
    assert_eq!(p[0].id.as_str(), "A-1");
    assert_eq!(p[0].description, "From the summary");
    assert_eq!(p[0].url.as_deref(), Some("https://shop.example/a1"));
}

#[test]
fn other_namespace_prefixes_and_undeclared_g() {
    let xml = r#"<rss xmlns:m="http://base.google.com/ns/1.0"><channel>
<item><m:id>1</m:id><m:title>Namespaced</m:title></item>
<item><g:id>2</g:id><g:title>Undeclared prefix</g:title></item>
</channel></rss>"#;
    let rows = read(FeedFormat::MerchantXml, xml);
    let titles: Vec<_> = ok(&rows).iter().map(|p| p.title.clone()).collect();
    assert_eq!(titles, ["Namespaced", "Undeclared prefix"], "{rows:?}");
}

#[test]
fn malformed_xml_stops_with_a_line() {
    let cases = [
        (
            "mismatched",
            "<rss><channel>\n<item><g:id>1</g:id><g:title>A</g:title></item>\n<item><g:id>2</g:title></item></channel></rss>",
            1,
        ),
        (
            "truncated",
            "<rss><channel>\n<item><g:id>1</g:id><g:title>A</g:title></item>\n<item><g:id>2</g:id>",
            1,
        ),
        (
            "garbage",
            "<rss><channel><item><g:id>1</g:id><g:title>A</g:title></item>\n<item <<< </channel>",
            1,
        ),
    ];
    for (name, xml, good) in cases {
        let rows = read(FeedFormat::MerchantXml, xml);
        assert_eq!(ok(&rows).len(), good, "{name}: {rows:?}");
        let last = errs(&rows)
            .pop()
            .cloned()
            .unwrap_or_else(|| panic!("{name}: no error"));
        assert!(last.fatal, "{name}: {last}");
        assert!(last.row >= 2, "{name}: {last}");
    }
    let html = read(
        FeedFormat::MerchantXml,
        "<!DOCTYPE html><html><body>502</body></html>",
    );
    assert!(errs(&html)[0].to_string().contains("<html>"));
    assert!(read(FeedFormat::MerchantXml, "").is_empty());
    assert!(read(FeedFormat::MerchantXml, "<rss/>").is_empty());
}

#[test]
fn xml_duplicate_ids_and_missing_fields() {
    let xml = "<rss><channel>\n<item><g:id>1</g:id><g:title>A</g:title></item>\n<item><g:id>1</g:id><g:title>B</g:title></item>\n<item><g:title>No id</g:title></item>\n</channel></rss>";
    let rows = read(FeedFormat::MerchantXml, xml);
    assert_eq!(
        where_(&rows),
        [(3, "id".to_string()), (4, "id".to_string())]
    );
}
