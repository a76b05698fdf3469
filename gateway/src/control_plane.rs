//! Connection to the control plane (config distribution); see the module docs once written.
