//! PEM text to rustls types, for upstream TLS (private CA, client certificate) and the TLS
//! listener (served certificates). Errors name the field, or file, the PEM came from.

use std::sync::{Arc, OnceLock};

use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;
use rustls::{Error, InconsistentKeys};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::spec::LoadError;

/// The cryptography the gateway uses (ring), shared by every TLS configuration.
pub fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider())).clone()
}

/// Every certificate in `pem`; none at all is an error. `at` names the value.
pub fn certificates(at: &str, pem: &str) -> Result<Vec<CertificateDer<'static>>, LoadError> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| LoadError::at(at, format!("not valid PEM: {e}")))?;
    if certs.is_empty() {
        return Err(LoadError::at(at, "no PEM certificate found"));
    }
    Ok(certs)
}

/// The first private key in `pem` (PKCS#8, PKCS#1 or SEC1). `at` names the value.
pub fn private_key(at: &str, pem: &str) -> Result<PrivateKeyDer<'static>, LoadError> {
    PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|_| LoadError::at(at, "no PEM private key found"))
}

/// A certificate chain with its private key, ready to serve; the key must belong to the
/// chain's first certificate. `cert_at` and `key_at` name the two values.
pub fn certified_key(cert_at: &str, cert_pem: &str, key_at: &str, key_pem: &str) -> Result<CertifiedKey, LoadError> {
    let chain = certificates(cert_at, cert_pem)?;
    let key = provider()
        .key_provider
        .load_private_key(private_key(key_at, key_pem)?)
        .map_err(|e| LoadError::at(key_at, format!("unusable private key: {e}")))?;
    let certified = CertifiedKey::new(chain, key);
    match certified.keys_match() {
        Ok(()) | Err(Error::InconsistentKeys(InconsistentKeys::Unknown)) => Ok(certified),
        Err(Error::InconsistentKeys(_)) => Err(LoadError::at(key_at, "the key does not belong to the certificate")),
        Err(e) => Err(LoadError::at(cert_at, format!("not a usable certificate: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue(name: &str) -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec![name.to_owned()]).unwrap().self_signed(&key).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    #[test]
    fn keys_must_belong_to_their_certificate() {
        let ((cert, key), (_, other_key)) = (issue("a.test"), issue("b.test"));
        assert!(certified_key("c", &cert, "k", &key).is_ok());
        assert_eq!(certified_key("c", &cert, "k", &other_key).unwrap_err().path, "k");
        assert_eq!(certified_key("c", "not pem", "k", &key).unwrap_err().path, "c");
        assert_eq!(certified_key("c", &cert, "k", &cert).unwrap_err().path, "k");
        let garbage = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert_eq!(certified_key("c", garbage, "k", &key).unwrap_err().path, "c");
    }
}
