//! `http::json`: the helpers every answer is read through. A member is what it is, or an
//! error that names it; nothing panics, whatever the body.

use proptest::prelude::*;
use serde_json::{json, Value};

use profile_photo_sync::http::json;

use crate::strategies::{json_value, text};

/// A JSON number of any kind, or any other value.
fn member() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<u32>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(Value::from),
        json_value(),
    ]
}

proptest! {
    #![proptest_config(crate::strategies::runner())]

    #[test]
    fn parse_never_panics(body in prop::collection::vec(any::<u8>(), 0..128)) {
        let _ = json::parse(&body);
        let _ = json::object(&body);
    }

    /// `object` accepts exactly the bodies that are a JSON object, as `parse` reads them.
    #[test]
    fn object_is_exactly_a_json_object(value in json_value()) {
        let body = value.to_string();
        match json::object(body.as_bytes()) {
            Ok(read) => {
                prop_assert!(value.is_object());
                prop_assert_eq!(Ok(read), json::parse(body.as_bytes()).map_err(|e| e.to_string()));
            }
            Err(reason) => {
                prop_assert!(!value.is_object());
                prop_assert!(!reason.is_empty());
            }
        }
    }

    /// A string member is read as written; absent or null is none; anything else is an
    /// error that names the member.
    #[test]
    fn string_members(key in text(), value in prop_oneof![text().prop_map(Value::String), json_value()], present in any::<bool>()) {
        let object = if present { json!({ key.clone(): value.clone() }) } else { json!({}) };
        let read = json::string(&object, &key);
        let required = json::required_string(&object, &key);
        match (present, &value) {
            (false, _) | (true, Value::Null) => {
                prop_assert_eq!(read, Ok(None));
                prop_assert!(required.unwrap_err().contains(&key));
            }
            (true, Value::String(s)) => {
                prop_assert_eq!(read, Ok(Some(s.clone())));
                prop_assert_eq!(required, Ok(s.clone()));
            }
            (true, _) => {
                prop_assert!(read.unwrap_err().contains(&key));
                prop_assert!(required.unwrap_err().contains(&key));
            }
        }
    }

    /// A whole-number member: `i64` takes every whole number a signed 64-bit integer holds,
    /// `u32` every one from 0 to 4294967295; anything else is an error, absent or null none.
    #[test]
    fn number_members(key in text(), value in member(), present in any::<bool>()) {
        let object = if present { json!({ key.clone(): value.clone() }) } else { json!({}) };
        let as_i64 = json::i64(&object, &key);
        let as_u32 = json::u32(&object, &key);
        if !present || value.is_null() {
            prop_assert_eq!(as_i64, Ok(None));
            prop_assert_eq!(as_u32, Ok(None));
            return Ok(());
        }
        match value.as_i64() {
            Some(n) => prop_assert_eq!(as_i64, Ok(Some(n))),
            None => prop_assert!(as_i64.unwrap_err().contains(&key)),
        }
        match value.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) => prop_assert_eq!(as_u32, Ok(Some(n))),
            None => prop_assert!(as_u32.unwrap_err().contains(&key)),
        }
    }

    /// Every `u32` and `i64` written as JSON text reads back as itself.
    #[test]
    fn numbers_read_back(key in "[a-zA-Z@.]{1,12}", small in any::<u32>(), large in any::<i64>()) {
        prop_assume!(key != "other");
        let body = format!(r#"{{"{key}":{small},"other":{large}}}"#);
        let object = json::object(body.as_bytes()).unwrap();
        prop_assert_eq!(json::u32(&object, &key), Ok(Some(small)));
        prop_assert_eq!(json::i64(&object, "other"), Ok(Some(large)));
    }
}
