//! Kill -9 the server while it ingests, then check that every acknowledged event is stored and
//! that a restarted server rebuilds its state from them.

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tailor_store::Store;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(dir: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tailor"))
        .args(["serve", "--data-dir"])
        .arg(dir)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tailor serve")
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not come up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_events_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut server = start(dir.path(), port);
    wait_ready(&client, &base).await;

    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut senders = Vec::new();
    for t in 0..4 {
        let (client, base, acked) = (client.clone(), base.clone(), acked.clone());
        senders.push(tokio::spawn(async move {
            for b in 0.. {
                let ids: Vec<String> = (0..50).map(|i| format!("t{t}-b{b}-{i}")).collect();
                let events: Vec<_> = ids
                    .iter()
                    .map(|id| serde_json::json!({"event_id": id, "type": "view", "visitor_id": format!("v{t}"), "product_id": "p"}))
                    .collect();
                match client.post(format!("{base}/v1/events")).json(&events).send().await {
                    Ok(r) if r.status().is_success() => acked.lock().unwrap().extend(ids),
                    _ => return,
                }
            }
        }));
    }
    // Let it ingest for a while, then kill it without warning.
    let deadline = Instant::now() + Duration::from_secs(30);
    while acked.lock().unwrap().len() < 5_000 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().expect("kill -9");
    server.wait().unwrap();
    for s in senders {
        let _ = s.await;
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 1_000,
        "too few events acknowledged before the kill: {}",
        acked.len()
    );

    // Every acknowledged event is in the log.
    {
        let store = tailor_store::SqliteStore::open(dir.path()).unwrap();
        let mut stored = HashSet::new();
        store
            .replay_events(&tailor_model::ShopId::default_shop(), 0, &mut |_, e| {
                stored.insert(e.event_id.unwrap());
            })
            .unwrap();
        let missing = acked.iter().filter(|id| !stored.contains(*id)).count();
        assert_eq!(
            missing,
            0,
            "{missing} of {} acknowledged events were lost",
            acked.len()
        );
    }

    // A restarted server replays them into its live state.
    let mut server = start(dir.path(), port);
    wait_ready(&client, &base).await;
    let profile: serde_json::Value = client
        .get(format!("{base}/v1/visitors/v0"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let acked_v0 = acked.iter().filter(|id| id.starts_with("t0-")).count() as u64;
    assert!(
        profile["events"].as_u64().is_some_and(|n| n >= acked_v0),
        "{profile}"
    );
    server.kill().unwrap();
    server.wait().unwrap();
}
