//! The OpenAPI 3.1 document, generated from the handlers and types.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "juhe merchant API", version = "1",
        description = "One API for every way to pay. Amounts are integers in minor units with an ISO 4217 currency. \
Every /v1 request is signed: Authorization: JUHE-HMAC-SHA256 app_id=\"…\",timestamp=\"…\",nonce=\"…\",signature=\"…\" \
with signature = base64(HMAC-SHA256(app_secret, METHOD\\nPATH_WITH_QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n)). \
Errors are {\"error\":{\"code\",\"message\"}} with the stable codes of docs/errors.md."),
    paths(
        crate::routes::system::healthz, crate::routes::system::metrics, crate::routes::system::openapi,
        crate::routes::customers::create, crate::routes::customers::fetch,
        crate::routes::topups::create, crate::routes::topups::fetch,
        crate::routes::payments::create, crate::routes::payments::fetch, crate::routes::payments::list, crate::routes::payments::close,
        crate::routes::refunds::create, crate::routes::refunds::fetch, crate::routes::refunds::list_for_payment,
        crate::routes::channels::list,
        crate::routes::admin::create, crate::routes::admin::update, crate::routes::admin::list, crate::routes::admin::set_public_key,
        crate::routes::admin::rotate, crate::routes::admin::retire,
    ),
    modifiers(&Security),
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "juhe_hmac",
                SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                    "Authorization",
                    "JUHE-HMAC-SHA256 app_id=\"…\",timestamp=\"…\",nonce=\"…\",signature=\"…\"",
                ))),
            );
            components.add_security_scheme(
                "admin_token",
                SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                    "Authorization",
                    "Bearer <platform admin token>",
                ))),
            );
        }
    }
}

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
