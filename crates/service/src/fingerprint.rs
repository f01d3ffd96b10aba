//! Fingerprints of create requests: a repeat with the same merchant number
//! and the same fields is the same request (answer with what exists); the
//! same number with different fields is a conflict.

use sha2::{Digest, Sha256};

/// SHA-256 over the fields, each length-prefixed so that no two different
/// field lists produce the same input.
pub fn fingerprint(fields: &[&str]) -> String {
    let mut h = Sha256::new();
    for f in fields {
        h.update((f.len() as u64).to_be_bytes());
        h.update(f.as_bytes());
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::fingerprint;

    #[test]
    fn field_boundaries_matter() {
        assert_ne!(fingerprint(&["ab", "c"]), fingerprint(&["a", "bc"]));
        assert_eq!(fingerprint(&["a", "b"]), fingerprint(&["a", "b"]));
        assert_ne!(fingerprint(&["", ""]), fingerprint(&[""]));
    }
}
