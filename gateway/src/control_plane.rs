//! The gateway's side of config distribution: the stream to the control plane.
//! (The client is being written; the protocol is in [`protocol`].)

pub mod protocol;
