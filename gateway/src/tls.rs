//! TLS on the proxy listener; see the module docs once written.
