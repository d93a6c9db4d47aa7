//! The bottom layer: what goes over the wire. Requests (`Req`, an axum extractor), response
//! builders, one error-body builder per dialect (`aadsts` for the identity platform, `graph`
//! for Microsoft Graph, `odata` for SharePoint), JWTs, pictures and small encodings. Nothing
//! here knows the emulator's state, its services or its pipeline; every other layer may use it.

pub mod aadsts;
pub mod codec;
pub mod graph;
pub mod imaging;
pub mod jwt;
pub mod odata;
mod request;
mod response;

pub use request::{
    cookie, host_of, read_body, Connection, FormParams, QueryParams, RawBody, Req, Seq,
};
pub use response::*;
