//! `tailor demo` ships a gift-box template, and a server on the demo's store fills it for a
//! simulated shopper within its budget and rules, through the public key alone.

use serde_json::{Value, json};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_gift_box_fills_within_its_rules() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tailor"))
        .args([
            "demo",
            "--no-serve",
            "--products",
            "600",
            "--shoppers",
            "40",
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .expect("run tailor demo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let key = stdout
        .lines()
        .find_map(|l| l.strip_prefix("public key: "))
        .unwrap_or_else(|| panic!("no public key in {stdout}"))
        .trim()
        .to_string();

    let port = free_port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_tailor"))
        .args(["serve", "--data-dir"])
        .arg(dir.path())
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tailor serve");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "server did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let call = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let mut r = client
            .request(method, format!("{base}{path}"))
            .bearer_auth(&key);
        if let Some(b) = body {
            r = r.json(&b);
        }
        async move {
            let resp = r.send().await.unwrap();
            let status = resp.status();
            (status, resp.json::<Value>().await.unwrap())
        }
    };

    let (status, list) = call(reqwest::Method::GET, "/v1/giftboxes/templates", None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["templates"][0]["id"], "treats", "{list}");

    let (status, filled) = call(
        reqwest::Method::POST,
        "/v1/giftboxes/templates/treats/autofill",
        Some(json!({"visitor_id": "v00001", "explain": true})),
    )
    .await;
    assert_eq!(status, 200, "{filled}");
    let items: Vec<String> = filled["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["product_id"].as_str().unwrap().to_string())
        .collect();
    assert!((4..=6).contains(&items.len()), "{filled}");
    let total = filled["total"].as_f64().unwrap();
    assert!((20.0..=45.0).contains(&total), "{filled}");
    assert!(
        filled["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["reason"].as_str().is_some_and(|r| !r.is_empty())),
        "every pick explains itself: {filled}"
    );

    let (status, check) = call(
        reqwest::Method::POST,
        "/v1/giftboxes/templates/treats/validate",
        Some(json!({"items": items, "visitor_id": "v00001"})),
    )
    .await;
    assert_eq!(status, 200, "{check}");
    assert_eq!(check["valid"], true, "{check}");
    server.kill().ok();
    server.wait().ok();
}
