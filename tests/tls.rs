//! The HTTPS path, for real: a TLS server on 127.0.0.1 with a certificate made here,
//! trusted only by this test's client. The tutorial downloads from
//! `https://picsum.photos`; a broken TLS set-up (a crypto provider never installed,
//! say) must show here, not on a learner's machine.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::picture;

/// A certificate authority made for one test.
struct Authority {
    params: CertificateParams,
    key: KeyPair,
    pem: String,
}

fn authority(name: &str) -> Authority {
    let key = KeyPair::generate().expect("a key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let pem = params.self_signed(&key).expect("self-signed").pem();
    Authority { params, key, pem }
}

/// Serves one real JPEG over HTTPS on 127.0.0.1 with a certificate for `names`,
/// signed by `ca`; returns the port.
fn https_server(ca: &Authority, names: &[&str]) -> u16 {
    let key = KeyPair::generate().expect("a key");
    let names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
    let issuer = Issuer::from_params(&ca.params, &ca.key);
    let cert = CertificateParams::new(names)
        .expect("params")
        .signed_by(&key, &issuer)
        .expect("signed");
    serve_over_tls(cert.der().to_vec(), &key)
}

/// Serves one real JPEG over HTTPS on 127.0.0.1 with this certificate; returns the port.
fn serve_over_tls(cert: Vec<u8>, key: &KeyPair) -> u16 {
    let chain = vec![CertificateDer::from(cert)];
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .expect("a server config");
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let picture = workbook::server::draw_jpeg(200, 300);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let Ok(connection) = rustls::ServerConnection::new(config.clone()) else {
                continue;
            };
            let mut tls = rustls::StreamOwned::new(connection, stream);
            let mut request = [0u8; 2048];
            // A refused handshake ends here, with an error: that is the point.
            if tls.read(&mut request).is_err() {
                continue;
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                picture.len()
            );
            let _ = tls.write_all(head.as_bytes());
            let _ = tls.write_all(&picture);
            let _ = tls.flush();
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    port
}

/// The lessons' own download (`lessons/picture.rs`), with a client that trusts only
/// this test's authority.
fn client_trusting(ca: &Authority) -> reqwest::blocking::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let root = reqwest::Certificate::from_pem(ca.pem.as_bytes()).expect("a PEM certificate");
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .tls_certs_only([root])
        .build()
        .expect("a client")
}

#[test]
fn a_picture_arrives_over_https_from_a_trusted_server() {
    let ca = authority("workbook test CA");
    let port = https_server(&ca, &["localhost", "127.0.0.1"]);
    let folder = tempfile::tempdir().expect("tempdir");
    let path = folder.path().join("0.jpg");
    for host in ["127.0.0.1", "localhost"] {
        let url = format!("https://{host}:{port}/200/300");
        let bytes = picture::download(&client_trusting(&ca), &url, &path)
            .unwrap_or_else(|error| panic!("{url}: {error:#}"));
        let saved = std::fs::read(&path).expect("saved");
        assert_eq!(saved.len(), bytes);
        assert_eq!(workbook::jpeg::size(&saved), Some((200, 300)));
    }
}

/// The download fails with one line that names the URL and says why, and no file.
fn refused(ca: &Authority, port: u16) -> String {
    let folder = tempfile::tempdir().expect("tempdir");
    let url = format!("https://127.0.0.1:{port}/200/300");
    let error = picture::download(&client_trusting(ca), &url, &folder.path().join("0.jpg"))
        .expect_err("the certificate must be refused");
    let message = format!("{error:#}");
    assert!(message.starts_with(&url), "{message}");
    assert!(!message.contains('\n'), "one line: {message}");
    assert_eq!(
        std::fs::read_dir(folder.path()).expect("read").count(),
        0,
        "nothing written"
    );
    message
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let ca = authority("workbook test CA");
    let port = https_server(&ca, &["pictures.example.com"]);
    let message = refused(&ca, port);
    assert!(message.contains("certificate"), "{message}");
    assert!(message.contains("not valid for name"), "{message}");
}

#[test]
fn a_certificate_from_an_unknown_authority_is_refused() {
    let theirs = authority("someone else's CA");
    let port = https_server(&theirs, &["localhost", "127.0.0.1"]);
    let ours = authority("workbook test CA");
    let message = refused(&ours, port);
    assert!(message.contains("certificate"), "{message}");
    // rustls's `UnknownIssuer`, said in words.
    assert!(message.contains("unknown issuer"), "{message}");
    assert!(!message.contains("UnknownIssuer"), "{message}");
}

#[test]
fn an_authority_posing_as_the_server_is_refused_in_words() {
    // The server presents the authority's own certificate: rustls refuses it with
    // `Other(OtherError(CaUsedAsEndEntity))`, which the download says in words.
    let ca = authority("workbook test CA");
    let own = ca.params.self_signed(&ca.key).expect("self-signed");
    let port = serve_over_tls(own.der().to_vec(), &ca.key);
    let message = refused(&ca, port);
    assert!(message.contains("certificate"), "{message}");
    assert!(message.contains("CA used as end entity"), "{message}");
    assert!(!message.contains("Other("), "{message}");
}
