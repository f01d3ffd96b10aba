//! Serving a sandbox (or any router a test needs: a notification receiver,
//! a fake institution) on a free local port — the one way every channel's
//! tests and `juhe sandbox` start an HTTP server.

use axum::Router;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A router being served. Dropping it leaves the server running (tests keep
/// only the URL); `stop` ends it.
#[derive(Debug)]
pub struct LocalServer {
    pub addr: SocketAddr,
    /// `http://{addr}`, without a trailing slash.
    pub url: String,
    pub task: JoinHandle<()>,
}

impl LocalServer {
    pub fn stop(&self) {
        self.task.abort();
    }
}

/// Serves `router` on an already bound listener, in a task of its own.
pub fn spawn_serve(listener: TcpListener, router: Router) -> JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::warn!(error = %e, "sandbox server stopped");
        }
    })
}

/// Serves `router` on an already bound listener.
pub fn serve_on(listener: TcpListener, router: Router) -> std::io::Result<LocalServer> {
    let addr = listener.local_addr()?;
    Ok(LocalServer {
        addr,
        url: format!("http://{addr}"),
        task: spawn_serve(listener, router),
    })
}

/// Serves `router` on a free port of 127.0.0.1.
pub async fn serve_local(router: Router) -> std::io::Result<LocalServer> {
    serve_on(TcpListener::bind("127.0.0.1:0").await?, router)
}

/// A gateway that throttles every caller: each request is answered HTTP 429
/// Too Many Requests with `Retry-After: retry_after_s`, before anything is
/// done. For checking how clients read a rate limit whose own code the
/// channel's documentation does not establish.
pub async fn throttling_gateway(retry_after_s: u32) -> std::io::Result<LocalServer> {
    let answer = move || async move {
        (
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", retry_after_s.to_string())],
            "too many requests",
        )
    };
    serve_local(Router::new().fallback(answer)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn serves_until_stopped() {
        let server = serve_local(Router::new().route("/", axum::routing::get(|| async { "hi" })))
            .await
            .unwrap();
        let body = reqwest::get(format!("{}/", server.url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(body, "hi");
        server.stop();
        let url = server.url.clone();
        let _ = server.task.await;
        assert!(reqwest::get(format!("{url}/")).await.is_err());
    }
}
