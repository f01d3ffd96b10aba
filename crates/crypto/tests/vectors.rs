//! Every vector in `vectors/wechatpay_v3.json`, `vectors/alipay.json` and
//! `vectors/unionpay_acp.json` that exercises a primitive of this crate.
//! Which vector is checked by which test is listed in the crate README.

mod vectors {
    pub mod alipay;
    pub mod support;
    pub mod unionpay;
    pub mod wechat;
}
