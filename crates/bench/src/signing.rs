//! The `Authorization` header of a signed merchant API request:
//!
//! `JUHE-HMAC-SHA256 app_id="…",timestamp="…",nonce="…",signature="…"` where the signature is
//! standard base64 of HMAC-SHA256(app_secret, `METHOD\nPATH_WITH_QUERY\nTIMESTAMP\nNONCE\nBODY\n`).
//! The string to sign and the MAC come from `juhe-crypto`, so client and server cannot drift.

use std::time::{SystemTime, UNIX_EPOCH};

/// The scheme word that starts the `Authorization` header.
pub const AUTH_SCHEME: &str = juhe_crypto::AUTH_SCHEME;

/// The `Authorization` header value for one request, with the current Unix time and a fresh nonce.
///
/// `app_secret` is used as its UTF-8 bytes; `body` must be the exact bytes sent (empty for GET).
pub fn sign_request(app_id: &str, app_secret: &str, method: &str, path_with_query: &str, body: &[u8]) -> String {
    let timestamp = unix_seconds().to_string();
    let nonce = new_nonce();
    sign_request_at(app_id, app_secret, method, path_with_query, body, &timestamp, &nonce)
}

/// [`sign_request`] with a given timestamp (decimal Unix seconds) and nonce, for reproducible signatures.
pub fn sign_request_at(
    app_id: &str,
    app_secret: &str,
    method: &str,
    path_with_query: &str,
    body: &[u8],
    timestamp: &str,
    nonce: &str,
) -> String {
    juhe_crypto::authorization_header(
        app_id,
        app_secret.as_bytes(),
        method,
        path_with_query,
        body,
        timestamp,
        nonce,
    )
}

/// A random nonce: 16 random bytes as 32 lowercase hex characters.
pub fn new_nonce() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

fn unix_seconds() -> u64 {
    // A clock before 1970 signs with 0; the server then answers stale_timestamp, which the report shows.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Splits `SCHEME k="v",k="v"` into its parameters, as a server would.
    fn parse(header: &str) -> Vec<(String, String)> {
        let rest = header.strip_prefix("JUHE-HMAC-SHA256 ").unwrap();
        rest.split(',')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                let v = v.strip_prefix('"').unwrap().strip_suffix('"').unwrap();
                (k.to_owned(), v.to_owned())
            })
            .collect()
    }

    #[test]
    fn header_format_and_signature_verifies() {
        let body = br#"{"amount":1}"#;
        let header = sign_request("app_1", "s3cret", "POST", "/v1/payments?x=1", body);
        let params = parse(&header);
        let keys: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["app_id", "timestamp", "nonce", "signature"]);
        assert_eq!(params[0].1, "app_1");
        let ts: u64 = params[1].1.parse().unwrap();
        assert!(ts.abs_diff(unix_seconds()) <= 5);
        let nonce = &params[2].1;
        assert_eq!(nonce.len(), 32);
        assert!(nonce.chars().all(|c| c.is_ascii_hexdigit()));
        let expected = format!(
            "POST\n/v1/payments?x=1\n{}\n{}\n{}\n",
            params[1].1, nonce, r#"{"amount":1}"#
        );
        assert!(juhe_crypto::verify_hmac_sha256_base64(
            b"s3cret",
            expected.as_bytes(),
            &params[3].1
        ));
        assert!(!juhe_crypto::verify_hmac_sha256_base64(
            b"other",
            expected.as_bytes(),
            &params[3].1
        ));
    }

    #[test]
    fn fixed_inputs_give_a_fixed_header() {
        let a = sign_request_at("a", "k", "GET", "/v1/x", b"", "1700000000", "00ff");
        let b = sign_request_at("a", "k", "GET", "/v1/x", b"", "1700000000", "00ff");
        assert_eq!(a, b);
        assert!(a.starts_with(r#"JUHE-HMAC-SHA256 app_id="a",timestamp="1700000000",nonce="00ff",signature=""#));
        let sig = &parse(&a)[3].1;
        // Standard base64 of 32 bytes: 44 chars with one '=' of padding.
        assert_eq!(sig.len(), 44);
        assert!(sig.ends_with('='));
        assert!(juhe_crypto::verify_hmac_sha256_base64(
            b"k",
            b"GET\n/v1/x\n1700000000\n00ff\n\n",
            sig
        ));
    }

    #[test]
    fn nonces_are_unique() {
        let a: std::collections::HashSet<String> = (0..1000).map(|_| new_nonce()).collect();
        assert_eq!(a.len(), 1000);
    }
}
