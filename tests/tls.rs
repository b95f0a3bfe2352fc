//! TLS to the source and to a `--sandbox-url` server: a server started here with a CA and
//! a server certificate made here (openssl) and `require_secure_transport=ON`, reached
//! over loopback TCP (the requirement does not apply to unix sockets).

mod common;
use common::{require_server_binary, stderr, stdout, Scratch};
use ddl_eta::sandbox::local::{LocalOptions, LocalServer};
use serde_json::Value;
use sqlx::Connection;
use std::path::{Path, PathBuf};
use std::process::Command;

const PASSWORD: &str = "tls-r3ader";
/// A password with every character a URL gives meaning to, and its URL form.
const TRICKY: &str = "p@ss:w/rd% ä€ x";
const TRICKY_IN_URL: &str = "p%40ss%3Aw%2Frd%25%20%C3%A4%E2%82%AC%20x";

/// A CA, a second CA that signed nothing of ours, and a server certificate for
/// 127.0.0.1 and localhost (subjectAltName: rustls ignores the CN).
struct Certificates {
    ca: PathBuf,
    other_ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

/// Run openssl in `dir` with whitespace-separated arguments.
fn openssl(dir: &Path, args: &str) {
    let args: Vec<&str> = args.split_whitespace().collect();
    let output = Command::new("openssl")
        .current_dir(dir)
        .args(&args)
        .output()
        .expect("openssl is not on PATH: run scripts/setup (it installs it)");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A P-256 key `NAME.key` and a certificate request `NAME.csr` for localhost.
fn key_and_request(dir: &Path, name: &str) {
    openssl(
        dir,
        &format!(
            "req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
             -keyout {name}.key -out {name}.csr -subj /CN=localhost"
        ),
    );
}

fn make_ca(dir: &Path, name: &str) {
    openssl(
        dir,
        &format!(
            "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
             -keyout {name}.key -out {name}.pem -days 2 -subj /CN=ddl-eta-test-{name} \
             -addext basicConstraints=critical,CA:TRUE \
             -addext keyUsage=critical,keyCertSign,cRLSign"
        ),
    );
}

impl Certificates {
    fn make(dir: &Path) -> Certificates {
        make_ca(dir, "ca");
        make_ca(dir, "other-ca");
        std::fs::write(
            dir.join("server.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
             keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .expect("write extensions");
        key_and_request(dir, "server");
        openssl(
            dir,
            "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
             -extfile server.ext -out server.pem",
        );
        Certificates {
            ca: dir.join("ca.pem"),
            other_ca: dir.join("other-ca.pem"),
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
        }
    }
}

/// The server, requiring TLS, with one small table in `prod` and accounts that may read
/// it over TCP.
async fn start_tls_server(certs: &Certificates) -> LocalServer {
    start_server(vec![
        format!("--ssl-ca={}", certs.ca.display()),
        format!("--ssl-cert={}", certs.cert.display()),
        format!("--ssl-key={}", certs.key.display()),
        "--require-secure-transport=ON".to_string(),
        // A second loopback address, for a host the certificate does not name.
        "--bind-address=127.0.0.1,127.0.0.2".to_string(),
    ])
    .await
}

async fn start_server(extra_args: Vec<String>) -> LocalServer {
    require_server_binary();
    let server = LocalServer::start(&LocalOptions {
        buffer_pool_bytes: 64 << 20,
        extra_args,
        tcp: true,
    })
    .await
    .expect("start the TLS server");
    let options = ddl_eta::server::plain_options(server.connect_options())
        .ssl_mode(sqlx::mysql::MySqlSslMode::Disabled);
    let mut root = sqlx::mysql::MySqlConnection::connect_with(&options)
        .await
        .expect("connect as root over the socket");
    for sql in [
        "CREATE DATABASE prod",
        "CREATE TABLE prod.t (id int PRIMARY KEY, v varchar(20)) DEFAULT CHARSET=utf8mb4",
        "INSERT INTO prod.t SELECT seq, CONCAT('v', seq) FROM prod.seq_1_to_100",
        &format!("CREATE USER reader@'127.0.0.%' IDENTIFIED BY '{PASSWORD}'"),
        "GRANT ALL ON *.* TO reader@'127.0.0.%'",
        &format!("CREATE USER reader@localhost IDENTIFIED BY '{PASSWORD}'"),
        "GRANT ALL ON *.* TO reader@localhost",
        &format!("CREATE USER tricky@'127.0.0.%' IDENTIFIED BY '{TRICKY}'"),
        "GRANT SELECT, PROCESS ON *.* TO tricky@'127.0.0.%'",
    ] {
        sqlx::raw_sql(sql)
            .execute(&mut root)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    server
}

/// The loopback TCP port: `require_secure_transport` applies to TCP only.
fn tcp_port(server: &LocalServer) -> u16 {
    server.port().expect("the test server listens on TCP")
}

fn profile(scratch: &Scratch, url: &str) -> std::process::Output {
    scratch.run(&[
        "profile",
        "--source",
        url,
        "--table",
        "t",
        "--connect-timeout",
        "5s",
    ])
}

fn source_meta(output: &std::process::Output) -> Value {
    assert_eq!(output.status.code(), Some(0), "{}", stderr(output));
    let profile: Value = serde_json::from_str(&stdout(output)).expect("profile JSON");
    profile["source"].clone()
}

/// Exit 1 with exactly one line, `error: ...`, that shows no password.
fn one_line_error(output: &std::process::Output) -> String {
    let error = stderr(output);
    assert_eq!(output.status.code(), Some(1), "{error}");
    assert!(error.starts_with("error: "), "{error}");
    assert_eq!(error.trim_end().lines().count(), 1, "{error}");
    assert!(!error.contains(PASSWORD), "{error}");
    error
}

#[tokio::test]
async fn the_source_connection_is_encrypted_verified_and_recorded() {
    let scratch = Scratch::new("tls");
    // Not in the scratch directory: the server's command line names them, and the
    // scratch directory is where ddl-eta's leftovers are looked for.
    let cert_dir = Scratch::new("tls_certificates");
    let certs = Certificates::make(&cert_dir.dir);
    let server = start_tls_server(&certs).await;
    let base = format!(
        "mysql://reader:{PASSWORD}@127.0.0.1:{}/prod",
        tcp_port(&server)
    );
    let ca = certs.ca.display();

    // Plain text is refused by the server, and the message says what to change.
    let error = one_line_error(&profile(&scratch, &format!("{base}?ssl-mode=DISABLED")));
    assert!(error.contains("require_secure_transport"), "{error}");
    assert!(error.contains("ssl-mode=REQUIRED"), "{error}");

    // REQUIRED encrypts without checking the certificate; the session shows a cipher.
    let source = source_meta(&profile(&scratch, &format!("{base}?ssl-mode=REQUIRED")));
    assert_eq!(source["encrypted"], true, "{source}");
    assert!(
        !source["tls_cipher"].as_str().unwrap_or("").is_empty(),
        "{source}"
    );
    assert!(
        source["tls_version"]
            .as_str()
            .unwrap_or("")
            .starts_with("TLS"),
        "{source}"
    );
    assert_eq!(
        source["url"],
        format!(
            "mysql://reader:***@127.0.0.1:{}/prod?ssl-mode=REQUIRED",
            tcp_port(&server)
        )
    );
    // The default, PREFERRED, encrypts whenever the server offers TLS.
    let source = source_meta(&profile(&scratch, &base));
    assert_eq!(source["encrypted"], true, "{source}");

    // VERIFY_CA and VERIFY_IDENTITY with the right CA; ssl-ca alone means VERIFY_CA.
    for mode in ["ssl-mode=VERIFY_CA&", "ssl-mode=VERIFY_IDENTITY&", ""] {
        let output = profile(&scratch, &format!("{base}?{mode}ssl-ca={ca}"));
        assert_eq!(source_meta(&output)["encrypted"], true, "{mode}");
    }

    // A certificate from another CA: one clear line.
    let other = certs.other_ca.display();
    for mode in ["VERIFY_CA", "VERIFY_IDENTITY"] {
        let output = profile(&scratch, &format!("{base}?ssl-mode={mode}&ssl-ca={other}"));
        let error = one_line_error(&output);
        assert!(
            error.contains("not signed by a CA ddl-eta trusts"),
            "{error}"
        );
    }
    // VERIFY_IDENTITY checks the name: the certificate is for 127.0.0.1, not 127.0.0.2.
    let wrong_host = base.replace("127.0.0.1", "127.0.0.2");
    let output = profile(
        &scratch,
        &format!("{wrong_host}?ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}"),
    );
    let error = one_line_error(&output);
    assert!(error.contains("does not name the host"), "{error}");

    // The estimate's report records the same, from `--source` (the local sandbox).
    let migration = scratch.file("m.sql", "ALTER TABLE t ADD INDEX v (v);\n");
    let url = format!("{base}?ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}");
    let mut args = vec![
        "estimate",
        "--source",
        &url,
        migration.to_str().expect("path"),
    ];
    args.extend(common::QUICK);
    let output = scratch.run(&args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).expect("report JSON");
    assert_eq!(report["source"]["encrypted"], true, "{}", report["source"]);
    assert!(
        report["source"]["tls_cipher"].is_string(),
        "{}",
        report["source"]
    );

    // A password with @ : / % spaces and non-ASCII reaches the server decoded, and shows
    // in no form anywhere.
    let tricky = format!(
        "mysql://tricky:{TRICKY_IN_URL}@127.0.0.1:{}/prod?ssl-mode=REQUIRED",
        tcp_port(&server)
    );
    let output = profile(&scratch, &tricky);
    assert_eq!(source_meta(&output)["encrypted"], true);
    for shown in [stdout(&output), stderr(&output)] {
        assert!(
            !shown.contains(TRICKY) && !shown.contains(TRICKY_IN_URL),
            "{shown}"
        );
        assert!(!shown.contains("ä€"), "{shown}");
    }
    let wrong = tricky.replace("%20x", "%20y");
    let error = one_line_error(&profile(&scratch, &wrong));
    assert!(
        error.contains("Access denied") && !error.contains("ä€"),
        "{error}"
    );

    // Over the unix socket the server asks for no TLS: recorded as plain text.
    let options = server.connect_options();
    let socket = options
        .get_socket()
        .expect("the server has a unix socket")
        .display();
    let url = format!("{base}?ssl-mode=DISABLED&socket={socket}");
    let source = source_meta(&profile(&scratch, &url));
    assert_eq!(source["encrypted"], false, "{source}");
    assert!(source.get("tls_cipher").is_none(), "{source}");
    scratch.assert_nothing_left();
}

/// `--sandbox-url` takes the same parameters: every session of the run is encrypted and
/// verified, and a wrong CA stops the run before anything is created there.
#[tokio::test]
async fn a_sandbox_url_is_reached_over_verified_tls() {
    let scratch = Scratch::new("tls_sandbox");
    let cert_dir = Scratch::new("tls_sandbox_certificates");
    let certs = Certificates::make(&cert_dir.dir);
    let server = start_tls_server(&certs).await;
    let base = format!("mysql://reader:{PASSWORD}@localhost:{}/", tcp_port(&server));
    let estimate = |url: &str| {
        scratch.run(&[
            "estimate",
            "--schema",
            &common::example("courseware_studentmodule.sql"),
            "--rows",
            "1M",
            &common::example("0018_alter_studentmodule_done.sql"),
            "--sandbox-url",
            url,
            "--max-rows",
            "2000",
            "--budget",
            "60s",
            "--quiet",
            "--format",
            "json",
        ])
    };
    let other = certs.other_ca.display();
    let error = one_line_error(&estimate(&format!(
        "{base}?ssl-mode=VERIFY_IDENTITY&ssl-ca={other}"
    )));
    assert!(error.contains("sandbox"), "{error}");
    assert!(
        error.contains("not signed by a CA ddl-eta trusts"),
        "{error}"
    );

    let url = format!(
        "{base}?ssl-mode=VERIFY_IDENTITY&ssl-ca={}",
        certs.ca.display()
    );
    let output = estimate(&url);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).expect("report JSON");
    assert!(
        report["sandbox"]["kind"]
            .as_str()
            .expect("kind")
            .starts_with(&format!(
                "mysql://reader:***@localhost:{}/?ssl-mode=VERIFY_IDENTITY",
                tcp_port(&server)
            )),
        "{}",
        report["sandbox"]
    );
    scratch.assert_nothing_left();
}

/// A server whose certificate is X.509 v1 (self-signed the old way), which rustls cannot
/// parse: PREFERRED falls back to plain text and says so; REQUIRED is one clear line.
#[tokio::test]
async fn preferred_falls_back_to_plain_text_when_rustls_cannot_read_the_certificate() {
    let scratch = Scratch::new("tls_v1");
    let cert_dir = Scratch::new("tls_v1_certificates");
    let dir = &cert_dir.dir;
    key_and_request(dir, "v1");
    // No extensions: openssl writes a version 1 certificate.
    openssl(
        dir,
        "x509 -req -in v1.csr -signkey v1.key -days 2 -out v1.pem",
    );
    let server = start_server(vec![
        format!("--ssl-cert={}", dir.join("v1.pem").display()),
        format!("--ssl-key={}", dir.join("v1.key").display()),
    ])
    .await;
    let base = format!(
        "mysql://reader:{PASSWORD}@127.0.0.1:{}/prod",
        tcp_port(&server)
    );
    let source = source_meta(&profile(&scratch, &base));
    assert_eq!(source["encrypted"], false, "{source}");
    let error = one_line_error(&profile(&scratch, &format!("{base}?ssl-mode=REQUIRED")));
    assert!(error.contains("X.509 v1"), "{error}");
    scratch.assert_nothing_left();
}
