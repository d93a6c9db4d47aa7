//! The second layer: the emulator's state. `tenant` (directory and content as plain data),
//! `pictures` (the generated pictures), `seed` (the demo tenant), `generated` (tenants of any
//! size), `budget` (the arithmetic of throttling windows) and `store` (everything behind one
//! lock, with the runtime: sessions, codes, tokens, faults, limits, switches, log).
//! Order inside: pictures → tenant → seed → generated → budget → store. Uses `wire` and `model`.

pub mod budget;
pub mod generated;
pub mod pictures;
pub mod seed;
mod store;
pub mod tenant;

pub use store::*;
pub use tenant::*;
