//! What a gateway handler answers: a signed answer object, a failure the
//! script injected, or silence.

use crate::protocol::answer::Status;
use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Debug)]
pub enum Reply {
    /// An answer object, signed under `<method>_response`.
    Answer(Value),
    /// An answer object under `error_response` (unknown method).
    Error(Value),
    /// HTTP 500, as a failing front end answers.
    ServerError,
    /// The connection is held and never answered.
    Hang,
}

/// An answer: the status fields first, then `body`'s fields.
pub fn answer<T: Serialize>(status: Status, body: &T) -> Reply {
    let mut object = match serde_json::to_value(&status) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    if let Ok(Value::Object(fields)) = serde_json::to_value(body) {
        object.extend(fields);
    }
    Reply::Answer(Value::Object(object))
}

pub fn success<T: Serialize>(body: &T) -> Reply {
    answer(Status::success(), body)
}

/// A business failure (`40004`) with its sub code.
pub fn refuse(sub_code: &str, sub_msg: &str) -> Reply {
    answer(
        Status::failure(crate::protocol::answer::BUSINESS_FAILED, sub_code, sub_msg),
        &crate::protocol::wire::Empty {},
    )
}

pub fn invalid_parameter(what: &str) -> Reply {
    refuse(
        crate::protocol::answer::sub::INVALID_PARAMETER,
        &format!("参数无效: {what}"),
    )
}
