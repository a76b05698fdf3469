//! Key usage for the control plane: the last use of each key since the previous report,
//! collected from the live configuration's keys in batches (the request path only stores
//! a second in the key's entry, see [`crate::credentials::KeyEntry::record_use`]) and
//! sent as one [`GatewayMessage::Usage`] per interval.

use std::collections::HashMap;
use std::sync::Arc;

use super::protocol::{GatewayMessage, KeyUsage};
use crate::config::ConfigStore;
use crate::credentials::Credentials;

/// Uses collected but not yet reported, by key id.
#[derive(Debug, Default)]
pub struct Usage {
    pending: HashMap<Arc<str>, i64>,
}

impl Usage {
    /// Moves the uses noted in `credentials` into the pending report. Called for the live
    /// configuration at each report, and for a configuration just swapped out.
    pub fn collect(&mut self, credentials: &Credentials) {
        credentials.take_usage(|id, at| {
            let last = self.pending.entry(id.clone()).or_insert(at);
            *last = (*last).max(at);
        });
    }

    /// The report of every key used since the last [`Usage::sent`], if any was. The
    /// pending uses are kept until the report is sent.
    pub fn report(&mut self, store: &ConfigStore) -> Option<GatewayMessage> {
        if let Some(config) = store.current() {
            self.collect(&config.credentials);
        }
        if self.pending.is_empty() {
            return None;
        }
        let mut keys: Vec<KeyUsage> =
            self.pending.iter().map(|(id, at)| KeyUsage { key_id: id.to_string(), last_used_at: *at }).collect();
        keys.sort_by(|a, b| a.key_id.cmp(&b.key_id));
        Some(GatewayMessage::Usage { keys })
    }

    /// The last report was sent: forget what it carried.
    pub fn sent(&mut self) {
        self.pending.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::parse;

    #[test]
    fn uses_are_reported_until_sent_and_survive_a_swap() {
        let store = ConfigStore::new();
        let yaml = "applications: [{ id: app, keys: [{ id: k1, key: first-key-1 }, { id: k2, key: second-key-2 }] }]";
        store.apply(&parse(yaml.as_bytes()).unwrap()).unwrap();
        let mut usage = Usage::default();
        assert!(usage.report(&store).is_none());
        let old = store.current().unwrap();
        old.credentials.find(b"first-key-1").unwrap().record_use();
        store.apply(&parse(yaml.replace("k2", "k3").as_bytes()).unwrap()).unwrap();
        usage.collect(&old.credentials);
        store.current().unwrap().credentials.find(b"second-key-2").unwrap().record_use();
        let Some(GatewayMessage::Usage { keys }) = usage.report(&store) else { panic!("a report") };
        assert_eq!(keys.iter().map(|k| k.key_id.as_str()).collect::<Vec<_>>(), ["k1", "k3"]);
        assert!(usage.report(&store).is_some(), "kept until sent");
        usage.sent();
        assert!(usage.report(&store).is_none());
    }
}
