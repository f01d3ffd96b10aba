//! Public-key certificate mode (公钥证书模式): the app signs with its key as
//! before but names its certificate (`app_cert_sn`) and the Alipay root
//! bundle it trusts (`alipay_root_cert_sn`) on every request; Alipay names
//! the certificate it signed an answer with (`alipay_cert_sn`), and the
//! answer is verified with that certificate's key.
//!
//! A certificate's SN is the lower-case hex MD5 of its issuer — the issuer's
//! attributes in reverse certificate order, `short=value` joined by `,`
//! (`CN=…,OU=…,O=…,C=…`) — followed by its serial in decimal. The root
//! SN joins, with `_`, the SNs of the bundle's certificates signed with an
//! RSA algorithm (others, such as an ECC root, are skipped). Both as the
//! public SDKs compute them (python-alipay-sdk `DCAliPay`, node
//! `antcertutil`); the tests check the values python-alipay-sdk gives.

use juhe_crypto::RsaPublic;
use juhe_crypto::x509::{Certificate, parse_bundle};

/// Every RSA signature algorithm's OID starts with this arc.
const RSA_SIGNATURE_ARC: &str = "1.2.840.113549.1.1.";
/// How many certificates a chain may have between a leaf and a root.
const MAX_CHAIN: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error("{0} holds no certificate")]
    Empty(&'static str),
    #[error("{0} is not a PEM certificate (bundle)")]
    Unreadable(&'static str),
    #[error("the Alipay certificate {0} does not chain to the Alipay root bundle")]
    Untrusted(String),
    #[error("the Alipay certificate {0} is outside its validity period")]
    Expired(String),
    #[error("the Alipay certificate {0} has no RSA key")]
    NotRsa(String),
}

/// The SN of one certificate.
pub fn cert_sn(cert: &Certificate) -> String {
    let issuer: Vec<String> = cert
        .issuer_attributes()
        .into_iter()
        .rev()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    juhe_crypto::digest::md5_hex(format!("{}{}", issuer.join(","), cert.serial_decimal()).as_bytes())
}

/// The SN of a root bundle.
pub fn root_cert_sn(roots: &[Certificate]) -> String {
    roots
        .iter()
        .filter(|c| c.signature_algorithm_oid().starts_with(RSA_SIGNATURE_ARC))
        .map(cert_sn)
        .collect::<Vec<_>>()
        .join("_")
}

/// Parses a PEM bundle that must hold at least one certificate.
pub fn bundle(text: &str, what: &'static str) -> Result<Vec<Certificate>, CertError> {
    let certs = parse_bundle(text).map_err(|_| CertError::Unreadable(what))?;
    if certs.is_empty() {
        return Err(CertError::Empty(what));
    }
    Ok(certs)
}

/// The signing certificates of an Alipay certificate file (the leaf, or
/// several while Alipay rotates, with their intermediates), each with its
/// SN and key, checked: every leaf must chain through the file's other
/// certificates to a root of the bundle, each link's signature verified,
/// the leaf valid at `now_s`.
pub fn trusted_leaves(
    alipay_certs: &[Certificate],
    roots: &[Certificate],
    now_s: i64,
) -> Result<Vec<(String, RsaPublic)>, CertError> {
    let issues_another = |c: &Certificate| {
        alipay_certs
            .iter()
            .any(|o| o.issuer() == c.subject() && o.subject() != c.subject())
    };
    let mut leaves = Vec::new();
    for leaf in alipay_certs.iter().filter(|c| !issues_another(c)) {
        let sn = cert_sn(leaf);
        if !leaf.is_valid_at(now_s) {
            return Err(CertError::Expired(sn));
        }
        if !chains_to_root(leaf, alipay_certs, roots) {
            return Err(CertError::Untrusted(sn));
        }
        let key = leaf.rsa_public().map_err(|_| CertError::NotRsa(sn.clone()))?;
        leaves.push((sn, key));
    }
    if leaves.is_empty() {
        return Err(CertError::Empty("alipay_cert"));
    }
    Ok(leaves)
}

fn chains_to_root(leaf: &Certificate, pool: &[Certificate], roots: &[Certificate]) -> bool {
    let mut current = leaf.clone();
    for _ in 0..=MAX_CHAIN {
        if roots.iter().any(|root| current.verify_signed_by(root)) {
            return true;
        }
        match pool
            .iter()
            .find(|c| c.subject() != current.subject() && current.verify_signed_by(c))
        {
            Some(issuer) => current = issuer.clone(),
            None => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = include_str!("../../fixtures/sandbox-alipay-root-TEST_ONLY.crt");
    const ALIPAY: &str = include_str!("../../fixtures/sandbox-alipay-cert-TEST_ONLY.crt");
    const NEXT: &str = include_str!("../../fixtures/sandbox-alipay-cert-next-TEST_ONLY.crt");
    const APP: &str = include_str!("../../fixtures/sandbox-app-cert-TEST_ONLY.crt");

    /// What python-alipay-sdk 3.4.0 (`DCAliPay.get_cert_sn`,
    /// `get_root_cert_sn`) computes for the fixtures.
    #[test]
    fn sns_are_those_of_the_public_sdk() {
        let roots = bundle(ROOT, "root").unwrap();
        assert_eq!(roots.len(), 2, "an RSA root and an ECC root");
        assert_eq!(root_cert_sn(&roots), "f0e20390015b9f2612522dd5c99acf1b");
        assert_eq!(
            cert_sn(&bundle(ALIPAY, "a").unwrap()[0]),
            "e03fc7ae4cd289e4c5157082c9ec9a0c"
        );
        assert_eq!(
            cert_sn(&bundle(NEXT, "a").unwrap()[0]),
            "1a26609cb8127fee3f1ccdcc82a8699d"
        );
        assert_eq!(
            cert_sn(&bundle(APP, "a").unwrap()[0]),
            "26e275c06f891fd5df0017ceefbbc817"
        );
    }

    #[test]
    fn leaves_chain_through_their_intermediate_to_a_root() {
        let roots = bundle(ROOT, "root").unwrap();
        let now = 1_800_000_000;
        let one = trusted_leaves(&bundle(ALIPAY, "a").unwrap(), &roots, now).unwrap();
        assert_eq!(one.len(), 1, "the intermediate is not a signing certificate");
        assert_eq!(one[0].0, "e03fc7ae4cd289e4c5157082c9ec9a0c");
        // Both certificates of a rotation in one file.
        let both = bundle(&format!("{ALIPAY}\n{NEXT}"), "a").unwrap();
        let sns: Vec<String> = trusted_leaves(&both, &roots, now)
            .unwrap()
            .into_iter()
            .map(|l| l.0)
            .collect();
        assert!(sns.contains(&"e03fc7ae4cd289e4c5157082c9ec9a0c".to_string()), "{sns:?}");
        assert!(sns.contains(&"1a26609cb8127fee3f1ccdcc82a8699d".to_string()), "{sns:?}");
        // Without its intermediate a leaf does not chain; against another root neither.
        let leaf_only = vec![bundle(ALIPAY, "a").unwrap()[0].clone()];
        assert!(matches!(
            trusted_leaves(&leaf_only, &roots, now),
            Err(CertError::Untrusted(_))
        ));
        let app_as_root = bundle(APP, "app").unwrap();
        assert!(trusted_leaves(&bundle(ALIPAY, "a").unwrap(), &app_as_root, now).is_err());
        // Past its validity.
        assert!(matches!(
            trusted_leaves(&bundle(ALIPAY, "a").unwrap(), &roots, 4_000_000_000),
            Err(CertError::Expired(_))
        ));
        assert!(matches!(bundle("no certificate here", "x"), Err(CertError::Empty(_))));
    }
}
