//! The certificates a snapshot brings for the TLS listener, compiled for lookup by the
//! name a client asks for (SNI): exact names, then one-label `*.` wildcards.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use rustls::sign::CertifiedKey;
use rustls_pki_types::DnsName;

use super::pem;
use crate::spec::{CertificateSpec, LoadError};

/// Compiled snapshot certificates, keyed by lower-case host name.
#[derive(Default)]
pub struct Certificates {
    /// Exact names.
    exact: HashMap<String, Arc<CertifiedKey>>,
    /// Wildcards, keyed by the parent name (`*.example.com` under `example.com`).
    wildcard: HashMap<String, Arc<CertifiedKey>>,
    /// How many certificates.
    count: usize,
}

impl Certificates {
    /// Parses and checks every certificate: PEM that reads, a key that belongs to its
    /// certificate, valid host names, and no name listed by two certificates. Errors name
    /// the field (`certificates[1].cert_pem`).
    pub fn compile(specs: &[CertificateSpec]) -> Result<Self, LoadError> {
        let mut compiled = Self { count: specs.len(), ..Self::default() };
        let mut listed_by: HashMap<String, usize> = HashMap::new();
        for (i, spec) in specs.iter().enumerate() {
            let at = format!("certificates[{i}]");
            if spec.hosts.is_empty() {
                return Err(LoadError::at(format!("{at}.hosts"), "at least one host name is needed"));
            }
            let key = Arc::new(pem::certified_key(
                &format!("{at}.cert_pem"),
                &spec.cert_pem,
                &format!("{at}.key_pem"),
                &spec.key_pem,
            )?);
            for (j, host) in spec.hosts.iter().enumerate() {
                let invalid = |why: String| LoadError::at(format!("{at}.hosts[{j}]"), why);
                let name = host.to_ascii_lowercase();
                let (map, bare) = match name.strip_prefix("*.") {
                    Some(parent) => (&mut compiled.wildcard, parent),
                    None => (&mut compiled.exact, name.as_str()),
                };
                if bare.contains('*') || DnsName::try_from(bare).is_err() {
                    return Err(invalid(format!("`{host}` is not a host name or a `*.` wildcard")));
                }
                match listed_by.entry(name.clone()) {
                    Entry::Occupied(first) if *first.get() != i => {
                        return Err(invalid(format!("`{host}` is also listed by certificates[{}]", first.get())));
                    }
                    Entry::Occupied(_) => {}
                    Entry::Vacant(slot) => {
                        slot.insert(i);
                    }
                }
                map.insert(bare.to_owned(), key.clone());
            }
        }
        Ok(compiled)
    }

    /// The certificate for `server_name`: an exact name first, then a wildcard covering it.
    pub fn find(&self, server_name: &str) -> Option<Arc<CertifiedKey>> {
        if self.count == 0 {
            return None;
        }
        let name = server_name.trim_end_matches('.').to_ascii_lowercase();
        if let Some(key) = self.exact.get(&name) {
            return Some(key.clone());
        }
        let (_, parent) = name.split_once('.')?;
        self.wildcard.get(parent).cloned()
    }

    /// How many certificates the snapshot brought.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when the snapshot brought none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(hosts: &[&str]) -> CertificateSpec {
        let key = rcgen::KeyPair::generate().unwrap();
        let names: Vec<String> = hosts.iter().map(|h| h.trim_start_matches("*.").to_owned()).collect();
        let cert = rcgen::CertificateParams::new(names).unwrap().self_signed(&key).unwrap();
        CertificateSpec {
            hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }

    fn served(certificates: &Certificates, name: &str) -> Option<Vec<u8>> {
        certificates.find(name).map(|key| key.cert[0].to_vec())
    }

    #[test]
    fn exact_names_win_over_wildcards_which_cover_one_label() {
        let specs = [spec(&["*.example.com", "other.test"]), spec(&["API.example.com"])];
        let certificates = Certificates::compile(&specs).unwrap();
        let (wild, exact) = (served(&certificates, "other.test"), served(&certificates, "api.example.com"));
        assert!(wild.is_some() && exact.is_some() && wild != exact);
        assert_eq!(served(&certificates, "x.example.com"), wild);
        assert_eq!(served(&certificates, "X.Example.COM."), wild, "case and a trailing dot do not matter");
        assert_eq!(served(&certificates, "Api.Example.com"), exact);
        assert_eq!(served(&certificates, "example.com"), None, "a wildcard does not cover its parent");
        assert_eq!(served(&certificates, "a.b.example.com"), None, "nor two labels");
        assert_eq!(served(&certificates, "com"), None);
        assert_eq!(certificates.len(), 2);
    }

    #[test]
    fn errors_name_the_field() {
        let error = |specs: &[CertificateSpec]| Certificates::compile(specs).err().unwrap().path;
        let mut bad_pem = spec(&["a.test"]);
        bad_pem.cert_pem = "not a certificate".into();
        assert_eq!(error(&[spec(&["b.test"]), bad_pem]), "certificates[1].cert_pem");
        let mut bad_key = spec(&["a.test"]);
        bad_key.key_pem = spec(&["a.test"]).key_pem;
        assert_eq!(error(&[bad_key]), "certificates[0].key_pem");
        assert_eq!(error(&[spec(&[])]), "certificates[0].hosts");
        assert_eq!(error(&[spec(&["a.test", "a.*.test"])]), "certificates[0].hosts[1]");
        assert_eq!(error(&[spec(&["a.test", "bad name"])]), "certificates[0].hosts[1]");
        let twice = Certificates::compile(&[spec(&["*.a.test"]), spec(&["b.test", "*.A.test"])]).err().unwrap();
        assert_eq!(twice.path, "certificates[1].hosts[1]");
        assert!(twice.message.contains("certificates[0]"), "{twice}");
    }
}
