//! Object ids: a type prefix and a ULID, so ids sort by creation time (which
//! the list endpoints use as a cursor) and say what they name.

pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", ulid::Ulid::new())
}

/// A random token of `bytes` bytes as lowercase hex (secrets, nonces).
pub fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_sort_by_time_and_carry_their_prefix() {
        let a = super::new_id("pay");
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = super::new_id("pay");
        assert!(a.starts_with("pay_") && a.len() == 30);
        assert!(a < b);
        assert_eq!(super::random_hex(16).len(), 32);
    }
}
