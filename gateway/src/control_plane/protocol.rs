//! The messages of the config-distribution stream between the control plane and a remote
//! gateway: JSON text frames over one WebSocket (`GET /api/gateway/v1/connect`,
//! `Authorization: Bearer <gateway token>`, query `environment=<name>`).
//!
//! On connect the gateway says [`GatewayMessage::Hello`] (what it already runs); the
//! control plane answers with a full [`ControlMessage::Snapshot`] unless the gateway's
//! version and hash are current, then sends a [`ControlMessage::Delta`] for every change.
//! The gateway compiles each result off the request path and answers
//! [`GatewayMessage::Ack`] (now serving it) or [`GatewayMessage::Nack`] (kept its last
//! good config). Analytics batches go up as [`GatewayMessage::Analytics`], each answered
//! with [`ControlMessage::AnalyticsStored`] once stored. A delta whose `base_version` is not what the gateway runs, or whose
//! result does not hash to `hash`, is answered with [`GatewayMessage::Resync`], and the
//! control plane sends a full snapshot.

use serde::{Deserialize, Serialize};

use std::collections::{HashMap, HashSet};

use crate::spec::{ApiSpec, ApplicationSpec, CertificateSpec, IssuerSpec, RevokedTokenSpec, Snapshot, TierSpec};

/// Control plane → gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ControlMessage {
    /// The whole configuration.
    Snapshot {
        /// Its version.
        version: u64,
        /// Its hash ([`crate::config::hash`]).
        hash: String,
        /// The configuration.
        snapshot: Box<Snapshot>,
    },
    /// Changes to apply to the configuration at `base_version`.
    Delta(Box<Delta>),
    /// The analytics batch numbered `seq` is stored; the gateway may forget it.
    AnalyticsStored {
        /// The batch's number.
        seq: u64,
    },
}

/// A change set between two versions of one environment's snapshot. APIs and
/// applications are replaced whole, matched by id; certificates, issuers and revoked
/// tokens and tiers, when they changed, as whole lists. The result is in canonical (id) order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    /// The version this delta applies to.
    pub base_version: u64,
    /// The version it produces.
    pub version: u64,
    /// Hash of the snapshot it produces.
    pub hash: String,
    /// APIs added or replaced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upsert_apis: Vec<ApiSpec>,
    /// Ids of APIs removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove_apis: Vec<String>,
    /// Applications added or replaced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upsert_applications: Vec<ApplicationSpec>,
    /// Ids of applications removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove_applications: Vec<String>,
    /// The new list of TLS certificates, when it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificates: Option<Vec<CertificateSpec>>,
    /// The new list of token issuers, when it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuers: Option<Vec<IssuerSpec>>,
    /// The new list of revoked tokens, when it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_tokens: Option<Vec<RevokedTokenSpec>>,
    /// The new list of tiers, when it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tiers: Option<Vec<TierSpec>>,
}

impl Delta {
    /// Applies the delta to `snapshot` (which must be at `base_version`), giving the new
    /// snapshot; the caller checks the result's hash against [`Delta::hash`].
    pub fn apply(&self, snapshot: &Snapshot) -> Snapshot {
        let mut next = Snapshot {
            format: snapshot.format.clone(),
            environment: snapshot.environment.clone(),
            version: self.version,
            apis: merge(&snapshot.apis, &self.upsert_apis, &self.remove_apis),
            applications: merge(&snapshot.applications, &self.upsert_applications, &self.remove_applications),
            certificates: self.certificates.clone().unwrap_or_else(|| snapshot.certificates.clone()),
            issuers: self.issuers.clone().unwrap_or_else(|| snapshot.issuers.clone()),
            revoked_tokens: self.revoked_tokens.clone().unwrap_or_else(|| snapshot.revoked_tokens.clone()),
            tiers: self.tiers.clone().unwrap_or_else(|| snapshot.tiers.clone()),
        };
        next.canonicalize();
        next
    }

    /// The delta that turns `from` into `to` (what the control plane sends). Linear in
    /// the snapshots' sizes: a snapshot may hold 100,000 applications.
    pub fn between(from: &Snapshot, to: &Snapshot, hash: String) -> Self {
        let (upsert_apis, remove_apis) = changes(&from.apis, &to.apis);
        let (upsert_applications, remove_applications) = changes(&from.applications, &to.applications);
        Self {
            base_version: from.version,
            version: to.version,
            hash,
            upsert_apis,
            remove_apis,
            upsert_applications,
            remove_applications,
            certificates: (from.certificates != to.certificates).then(|| to.certificates.clone()),
            issuers: (from.issuers != to.issuers).then(|| to.issuers.clone()),
            revoked_tokens: (from.revoked_tokens != to.revoked_tokens).then(|| to.revoked_tokens.clone()),
            tiers: (from.tiers != to.tiers).then(|| to.tiers.clone()),
        }
    }
}

/// What deltas match entries by.
trait Keyed {
    fn key(&self) -> &str;
}

impl Keyed for ApiSpec {
    fn key(&self) -> &str {
        &self.id
    }
}

impl Keyed for ApplicationSpec {
    fn key(&self) -> &str {
        &self.id
    }
}

/// Entries of `to` that are new or different, and ids of `from` missing from `to`.
fn changes<T: Keyed + Clone + PartialEq>(from: &[T], to: &[T]) -> (Vec<T>, Vec<String>) {
    let old: HashMap<&str, &T> = from.iter().map(|t| (t.key(), t)).collect();
    let kept: HashSet<&str> = to.iter().map(Keyed::key).collect();
    let upserts = to.iter().filter(|t| old.get(t.key()) != Some(t)).cloned().collect();
    let removed = from.iter().filter(|t| !kept.contains(t.key())).map(|t| t.key().to_owned()).collect();
    (upserts, removed)
}

/// `items` without the removed and replaced entries, plus the upserts.
fn merge<T: Keyed + Clone>(items: &[T], upserts: &[T], removed: &[String]) -> Vec<T> {
    let dropped: HashSet<&str> = removed.iter().map(String::as_str).chain(upserts.iter().map(Keyed::key)).collect();
    items.iter().filter(|t| !dropped.contains(t.key())).chain(upserts).cloned().collect()
}

/// Gateway → control plane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GatewayMessage {
    /// First message after connecting.
    Hello {
        /// Stable id of this gateway node (kept in its cache directory).
        node_id: String,
        /// Host name, for the admin UI.
        hostname: String,
        /// The gateway's software version.
        software_version: String,
        /// Version of the configuration it runs (from its disk cache), if any.
        config_version: Option<u64>,
        /// Hash of that configuration.
        config_hash: Option<String>,
    },
    /// The configuration `version` with `hash` is now serving.
    Ack {
        /// The version.
        version: u64,
        /// Its hash as computed by the gateway.
        hash: String,
    },
    /// The configuration `version` was refused; the previous one keeps serving.
    Nack {
        /// The version refused.
        version: u64,
        /// Why (the compile error with its location).
        error: String,
    },
    /// The gateway cannot apply a delta; it asks for a full snapshot.
    Resync {
        /// The version it runs, if any.
        have_version: Option<u64>,
    },
    /// Analytics events; kept by the gateway until [`ControlMessage::AnalyticsStored`]
    /// (a batch sent again after a reconnect is stored once).
    Analytics(std::sync::Arc<crate::analytics::Batch>),
    /// Keys used since the last report (batched; never per request).
    Usage {
        /// Key ids and when each was last used (Unix seconds).
        keys: Vec<KeyUsage>,
    },
}

/// When a key was last used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyUsage {
    /// The key's id ([`crate::spec::KeySpec::id`]).
    pub key_id: String,
    /// Last use, Unix seconds.
    pub last_used_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delta_between_two_snapshots_reproduces_the_second() {
        let api = |id: &str, context: &str| -> ApiSpec {
            crate::spec::parse(
                format!(
                    "apis: [{{ id: {id}, name: {id}, context: {context}, version: v1, upstream: {{ endpoints: [{{ url: 'http://x' }}] }} }}]"
                )
                .as_bytes(),
            )
            .unwrap()
            .apis
            .remove(0)
        };
        let from = Snapshot { version: 1, apis: vec![api("a", "/a"), api("b", "/b")], ..Default::default() };
        let to =
            Snapshot { version: 2, apis: vec![api("0", "/0"), api("a", "/a2"), api("c", "/c")], ..Default::default() };
        let delta = Delta::between(&from, &to, String::new());
        assert_eq!(delta.remove_apis, vec!["b".to_owned()]);
        assert_eq!(delta.upsert_apis.len(), 3);
        assert_eq!(delta.apply(&from), to);
        assert_eq!(delta.certificates, None, "unchanged certificates are not sent");
        let json = serde_json::to_string(&ControlMessage::Delta(Box::new(delta))).unwrap();
        assert!(json.starts_with(r#"{"type":"delta","base_version":1"#), "{json}");
    }
}
