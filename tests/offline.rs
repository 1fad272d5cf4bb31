//! Offline by construction: no crate that can talk to a network is anywhere in the dependency
//! tree — normal, build or dev dependencies, any platform. Cargo.lock lists every package the
//! resolver picked, so a new networking crate fails this test the moment it is added (directly
//! or through another crate). `.ci/run` also runs the binary under `strace -e trace=network`.

use std::path::Path;

/// HTTP clients and servers, TLS stacks, async runtimes with sockets, socket helpers, RPC and
/// messaging stacks. Matched by exact name and by these prefixes (`hyper-util`, `rustls-pki-types`).
const NETWORKING: &[&str] = &[
    "reqwest",
    "hyper",
    "ureq",
    "curl",
    "isahc",
    "surf",
    "attohttpc",
    "minreq",
    "http-req",
    "tokio",
    "async-std",
    "smol",
    "async-io",
    "async-net",
    "mio",
    "socket2",
    "polling",
    "native-tls",
    "rustls",
    "openssl",
    "boring",
    "schannel",
    "security-framework",
    "h2",
    "h3",
    "quinn",
    "tungstenite",
    "websocket",
    "tonic",
    "tower",
    "axum",
    "actix",
    "warp",
    "rocket",
    "tiny_http",
    "trust-dns",
    "hickory",
    "libp2p",
    "zmq",
    "nng",
    "lettre",
    "ssh2",
    "libssh2",
    "oauth2",
    "opentelemetry",
    "sentry",
    "telemetry",
];

fn is_networking(name: &str) -> bool {
    NETWORKING.iter().any(|n| {
        name == *n || name.starts_with(&format!("{n}-")) || name.starts_with(&format!("{n}_"))
    })
}

fn packages(lock: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(lock).unwrap();
    let lock: toml::Table = toml::from_str(&text).unwrap();
    lock["package"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn no_networking_crate_in_the_dependency_tree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for lock in [root.join("Cargo.lock"), root.join("fuzz/Cargo.lock")] {
        if !lock.exists() {
            continue;
        }
        let names = packages(&lock);
        assert!(
            names.iter().any(|n| n == "exlint"),
            "{} is not exlint's",
            lock.display()
        );
        let found: Vec<&String> = names.iter().filter(|n| is_networking(n)).collect();
        assert!(
            found.is_empty(),
            "{}: networking crates in the dependency tree: {found:?}. exlint reads private \
             drafts and must never be able to send them anywhere; find another way.",
            lock.display()
        );
        checked += names.len();
    }
    assert!(checked > 0);
}

#[test]
fn the_check_catches_what_it_should() {
    for bad in [
        "reqwest",
        "hyper-util",
        "rustls-pki-types",
        "tokio",
        "openssl-sys",
        "mio",
    ] {
        assert!(is_networking(bad), "{bad}");
    }
    for fine in [
        "serde",
        "toml",
        "lsp-server",
        "crossbeam-channel",
        "regex",
        "hyphenation",
    ] {
        assert!(!is_networking(fine), "{fine}");
    }
}
