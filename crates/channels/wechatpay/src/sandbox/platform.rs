//! The sandbox's platform identity: the key that signs every answer and
//! notification, its certificate (served encrypted by `/v3/certificates`)
//! and the id under which the same key is known in public-key mode.

use crate::protocol::ProtocolError;
use crate::protocol::scheme::{SigningKey, VerifyingKey};
use juhe_crypto::x509::Certificate;

/// The committed TEST-ONLY platform key and self-signed certificate
/// (`fixtures/`, generated once with openssl). Never a real key.
pub const TEST_PLATFORM_PRIVATE_KEY: &str = include_str!("../../fixtures/sandbox_platform_TEST_ONLY_private_key.pem");
pub const TEST_PLATFORM_CERTIFICATE: &str = include_str!("../../fixtures/sandbox_platform_TEST_ONLY_certificate.pem");
pub const TEST_PLATFORM_PUBLIC_KEY: &str = include_str!("../../fixtures/sandbox_platform_TEST_ONLY_public_key.pem");
/// The sandbox's 微信支付公钥 id (same key as the certificate).
pub const TEST_PLATFORM_PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0100000000000000000000000000SANDBOX";

/// The second committed TEST-ONLY platform identity: what the sandbox
/// rotates to (`POST /_sandbox/platform/rotate`).
pub const TEST_NEXT_PLATFORM_PRIVATE_KEY: &str =
    include_str!("../../fixtures/sandbox_platform_next_TEST_ONLY_private_key.pem");
pub const TEST_NEXT_PLATFORM_CERTIFICATE: &str =
    include_str!("../../fixtures/sandbox_platform_next_TEST_ONLY_certificate.pem");
pub const TEST_NEXT_PLATFORM_PUBLIC_KEY: &str =
    include_str!("../../fixtures/sandbox_platform_next_TEST_ONLY_public_key.pem");
pub const TEST_NEXT_PLATFORM_PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0100000000000000000000000000SANDBX2";

/// The committed TEST-ONLY SM2 platform identity, for 国密 merchants.
pub const TEST_SM2_PLATFORM_PRIVATE_KEY: &str =
    include_str!("../../fixtures/sandbox_platform_sm2_TEST_ONLY_private_key.pem");
pub const TEST_SM2_PLATFORM_CERTIFICATE: &str =
    include_str!("../../fixtures/sandbox_platform_sm2_TEST_ONLY_certificate.pem");

pub struct SandboxPlatform {
    pub(crate) private_key: SigningKey,
    pub(crate) certificate_pem: String,
    pub(crate) certificate_serial: String,
    pub(crate) not_before_s: i64,
    pub(crate) not_after_s: i64,
    pub(crate) public_key_id: String,
}

impl std::fmt::Debug for SandboxPlatform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxPlatform")
            .field("certificate_serial", &self.certificate_serial)
            .field("public_key_id", &self.public_key_id)
            .finish_non_exhaustive()
    }
}

impl SandboxPlatform {
    /// A platform from a private key and the certificate of its public key.
    pub fn new(
        private_key_pem: &str,
        certificate_pem: &str,
        public_key_id: &str,
    ) -> Result<SandboxPlatform, ProtocolError> {
        let private_key = SigningKey::parse(private_key_pem)?;
        let certificate = Certificate::parse(certificate_pem)?;
        if VerifyingKey::of_certificate(&certificate)? != private_key.verifying_key() {
            return Err(ProtocolError::Malformed(
                "the platform certificate is not for the platform key".into(),
            ));
        }
        Ok(SandboxPlatform {
            private_key,
            certificate_pem: certificate_pem.to_string(),
            certificate_serial: certificate.serial_hex(),
            not_before_s: certificate.not_before(),
            not_after_s: certificate.not_after(),
            public_key_id: public_key_id.to_string(),
        })
    }

    /// The committed test platform.
    pub fn test_fixture() -> Result<SandboxPlatform, ProtocolError> {
        SandboxPlatform::new(
            TEST_PLATFORM_PRIVATE_KEY,
            TEST_PLATFORM_CERTIFICATE,
            TEST_PLATFORM_PUBLIC_KEY_ID,
        )
    }

    /// The committed identity the test platform rotates to.
    pub fn next_test_fixture() -> Result<SandboxPlatform, ProtocolError> {
        SandboxPlatform::new(
            TEST_NEXT_PLATFORM_PRIVATE_KEY,
            TEST_NEXT_PLATFORM_CERTIFICATE,
            TEST_NEXT_PLATFORM_PUBLIC_KEY_ID,
        )
    }

    pub fn certificate_serial(&self) -> &str {
        &self.certificate_serial
    }

    pub fn certificate_pem(&self) -> &str {
        &self.certificate_pem
    }

    pub fn public_key_id(&self) -> &str {
        &self.public_key_id
    }

    pub fn public_key(&self) -> VerifyingKey {
        self.private_key.verifying_key()
    }

    /// The committed SM2 identity (certificate mode only: no SM2 platform
    /// public-key id is established).
    pub fn sm2_test_fixture() -> Result<SandboxPlatform, ProtocolError> {
        SandboxPlatform::new(TEST_SM2_PLATFORM_PRIVATE_KEY, TEST_SM2_PLATFORM_CERTIFICATE, "")
    }
}
