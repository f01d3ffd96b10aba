//! Rotating the shared secure key (signMethod 11 / 12) with overlap: once
//! the merchant has set a new key at UnionPay, juhe signs with it, and
//! answers or notifications UnionPay signed with the previous key still
//! verify until that version is retired.

mod common;

use common::*;
use juhe_channel::{Channel, ChannelConfig, ChannelError, ChannelPaymentState, Notification};
use juhe_channel_unionpay::UnionPayChannel;
use juhe_channel_unionpay::protocol::fields::order_id;
use juhe_channel_unionpay::sandbox::merchants::SandboxMerchant;
use juhe_domain::way::Way;

fn with_keys(mut cfg: ChannelConfig, keys: &[&str]) -> ChannelConfig {
    cfg.secrets
        .insert_versions("secure_key", keys.iter().map(|k| k.to_string()));
    cfg
}

#[tokio::test]
async fn a_secure_key_rotates_with_overlap_until_retired() {
    for (method, mer_id, old) in [("11", MER_SHA256, SECURE_KEY_11), ("12", MER_SM3, SECURE_KEY_12)] {
        let new = format!("{old}-rotated");
        let sandbox = start_sandbox().await;
        let channel = UnionPayChannel::new().unwrap();
        let mut receiver = start_receiver().await;
        let old_only = config(method, &sandbox.base_url, &receiver.url);

        // Paid while the old key is the only one: its notification is signed with it.
        let req = payment(Way::Qr, &order_no("rot", method), 777);
        channel.create(&old_only, &req).await.unwrap();
        let url = format!(
            "{}/_sandbox/orders/{}/pay",
            sandbox.base_url,
            order_id(&req.channel_order_no)
        );
        assert_eq!(reqwest::Client::new().post(url).send().await.unwrap().status(), 200);
        let signed_with_old = receiver.next().await;

        // The merchant sets the new key at UnionPay; juhe rotates to it.
        sandbox
            .state
            .merchants
            .register(&SandboxMerchant {
                mer_id: mer_id.into(),
                sign_cert: None,
                secure_key: Some(new.clone()),
            })
            .unwrap();
        let rotating = with_keys(old_only.clone(), &[&new, old]);
        channel.validate_config(&rotating).unwrap();
        // Requests go out under the new key (the sandbox accepts only it now)...
        let state = channel.query(&rotating, &payment_ref(&req, None)).await.unwrap();
        assert!(
            matches!(state, ChannelPaymentState::Succeeded { amount: 777, .. }),
            "{method}: {state:?}"
        );
        assert!(matches!(
            channel.query(&old_only, &payment_ref(&req, None)).await,
            Err(ChannelError::Declined { .. } | ChannelError::Unknown(_))
        ));
        // ...and what UnionPay signed with the old key still verifies.
        assert!(matches!(
            channel.parse_notification(&rotating, &signed_with_old).await.unwrap(),
            Notification::Payment { .. }
        ));
        // Retired: it no longer does.
        let retired = with_keys(old_only, &[&new]);
        assert!(matches!(
            channel.parse_notification(&retired, &signed_with_old).await,
            Err(ChannelError::BadNotification(_))
        ));
        assert!(channel.query(&retired, &payment_ref(&req, None)).await.is_ok());
    }
}
