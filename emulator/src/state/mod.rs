//! The second layer: the emulator's state. `tenant` (directory and content as plain data),
//! `pictures` (the generated demo pictures), `seed` (the demo tenant) and `store` (everything
//! behind one lock, with the runtime: sessions, codes, tokens, faults, limits, switches, log).
//! Order inside: pictures → tenant → seed → store. Uses `wire` only.

pub mod pictures;
pub mod seed;
mod store;
pub mod tenant;

pub use store::*;
pub use tenant::*;
