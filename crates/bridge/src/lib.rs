//! temporal-bun-bridge: a C ABI over Temporal's sdk-core for the Bun runtime (`bun:ffi`).
//!
//! The contract of every exported function (arguments, ownership, errors) is in the crate's
//! README. One module per exported concept: [runtime], [metrics], [client], [worker], [replayer],
//! [envconfig], [diagnostics], [version]; [buffers] and [error] hold the memory and error rules
//! they all share.

pub mod buffers;
pub mod channel;
pub mod client;
pub mod diagnostics;
pub mod envconfig;
pub mod error;
pub mod guard;
pub mod handles;
pub mod metrics;
pub mod replayer;
pub mod rpc_methods;
pub mod runtime;
pub mod version;
pub mod worker;
pub mod worker_options;
