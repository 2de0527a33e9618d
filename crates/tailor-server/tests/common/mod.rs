//! A real server on an ephemeral port, for the API tests.
#![allow(dead_code)]

use reqwest::{Client, Method, StatusCode};
use serde_json::Value;
use std::sync::Arc;
use tailor_server::App;
use tailor_store::SqliteStore;

pub struct Server {
    pub base: String,
    pub store: Arc<SqliteStore>,
    pub dir: tempfile::TempDir,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

pub async fn start() -> Server {
    start_in(tempfile::tempdir().unwrap()).await
}

/// A server over the store in `dir` (an earlier server's, to test restarts).
pub async fn start_in(dir: tempfile::TempDir) -> Server {
    let store = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let (app, _) = App::open(store.clone()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(tailor_server::serve(app, listener, async {
        let _ = rx.await;
    }));
    Server {
        base,
        store,
        dir,
        stop: tx,
        task,
    }
}

impl Server {
    /// Stops this server and starts a new one on the same data directory.
    pub async fn restart(self) -> Server {
        let Server {
            dir,
            stop,
            task,
            store,
            ..
        } = self;
        let _ = stop.send(());
        task.await.unwrap().unwrap();
        drop(store);
        start_in(dir).await
    }

    /// Any method with a JSON body (or none for `Value::Null`); returns status and JSON.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Value,
    ) -> (StatusCode, Value) {
        let mut req = Client::new().request(method, format!("{}{path}", self.base));
        if !body.is_null() {
            req = req.json(&body);
        }
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, key: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, key, body).await
    }

    pub async fn get(&self, path: &str, key: Option<&str>) -> (StatusCode, Value) {
        self.call(Method::GET, path, key, Value::Null).await
    }
}
