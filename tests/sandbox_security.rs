//! The sandbox is closed to everyone but the ddl-eta that started it: no TCP, a random root
//! password that is nowhere on disk, file I/O confined to its own directory. Tried here the
//! way an intruder on the same machine would: without the password, over the socket and over
//! TCP, as root and as another local user (`runuser -u nobody`).

mod common;
use common::{local_sandbox, require_server_binary};
use ddl_eta::sandbox::local::{LocalOptions, LocalServer};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::Row;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

async fn start(tcp: bool) -> LocalServer {
    require_server_binary();
    LocalServer::start(&LocalOptions {
        buffer_pool_bytes: 64 << 20,
        extra_args: Vec::new(),
        tcp,
    })
    .await
    .expect("start a local server")
}

async fn connect(options: &MySqlConnectOptions) -> anyhow::Result<MySqlConnection> {
    let options = ddl_eta::server::plain_options(options.clone());
    ddl_eta::server::connect(&options, Duration::from_secs(10)).await
}

/// Connecting must fail with "access denied" (1045), not for some unrelated reason.
async fn assert_access_denied(options: MySqlConnectOptions, how: &str) {
    match connect(&options).await {
        Ok(_) => panic!("{how}: connected"),
        Err(e) => assert!(format!("{e:#}").contains("1045"), "{how}: {e:#}"),
    }
}

/// The `mariadb` client run as user `nobody`: its exit status and its error text.
fn as_nobody(args: &[&str]) -> (bool, String) {
    let output = Command::new("runuser")
        .args([
            "-u",
            "nobody",
            "--",
            "mariadb",
            "--no-defaults",
            "-e",
            "SELECT 1",
        ])
        .args(args)
        .output()
        .expect("run runuser (util-linux) and the mariadb client");
    let text = String::from_utf8_lossy(&output.stderr).to_string();
    (output.status.success(), text)
}

async fn scalar(conn: &mut MySqlConnection, sql: &str) -> String {
    let row = sqlx::raw_sql(sql).fetch_one(&mut *conn).await.expect(sql);
    row.try_get::<Option<String>, _>(0)
        .expect(sql)
        .unwrap_or_default()
}

/// Files under `dir` (small enough to read: the redo log and the system tablespace only ever
/// hold the password's hash) that contain `secret`.
fn files_containing(dir: &Path, secret: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir").flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                pending.push(path);
            } else if meta.is_file() && meta.len() < 32 << 20 {
                let bytes = std::fs::read(&path).unwrap_or_default();
                if bytes.windows(secret.len()).any(|w| w == secret.as_bytes()) {
                    found.push(path.display().to_string());
                }
            }
        }
    }
    found
}

#[tokio::test]
async fn the_sandbox_listens_on_its_socket_only_and_refuses_anyone_without_its_password() {
    let server = start(false).await;
    let socket = server.socket().expect("a unix socket").to_path_buf();
    let socket_arg = format!("--socket={}", socket.display());
    let mut root = connect(&server.connect_options())
        .await
        .expect("root with the password");

    assert_eq!(
        scalar(&mut root, "SELECT CAST(@@skip_networking AS CHAR)").await,
        "ON"
    );
    let files = scalar(&mut root, "SELECT CAST(@@secure_file_priv AS CHAR)").await;
    assert_eq!(
        Path::new(&files),
        server.dir(),
        "LOAD DATA and INTO OUTFILE are confined to the sandbox directory"
    );
    let outside = std::env::temp_dir().join(format!("ddl_eta_outfile_{}", std::process::id()));
    let export = format!("SELECT 1 INTO OUTFILE '{}'", outside.display());
    let refused = sqlx::raw_sql(&export).execute(&mut root).await;
    assert!(
        refused.is_err_and(|e| e.to_string().contains("1290")) && !outside.exists(),
        "the server wrote a file outside its directory"
    );
    let accounts = sqlx::raw_sql(
        "SELECT CAST(CONCAT(User, '@', Host) AS CHAR) FROM mysql.user \
         WHERE User <> 'mariadb.sys' ORDER BY 1",
    )
    .fetch_all(&mut root)
    .await
    .expect("accounts");
    let accounts: Vec<String> = accounts
        .iter()
        .map(|r| r.try_get(0).expect("account"))
        .collect();
    assert_eq!(accounts, vec!["root@localhost".to_string()]);

    // Root of this machine, over the socket: no password, a wrong one.
    let by_socket = MySqlConnectOptions::new().socket(&socket).username("root");
    assert_access_denied(by_socket.clone(), "root, no password, socket").await;
    assert_access_denied(by_socket.password("guess"), "root, wrong password, socket").await;

    // Over TCP: nothing listens, not even on the port the server reports.
    let port = scalar(&mut root, "SELECT CAST(@@port AS CHAR)").await;
    let port: u16 = port.parse().expect("port");
    let by_tcp = MySqlConnectOptions::new()
        .host("127.0.0.1")
        .port(port)
        .username("root");
    assert!(
        connect(&by_tcp).await.is_err(),
        "root reached the sandbox over TCP on port {port}"
    );

    // Another local user cannot even reach the socket, with the password or without.
    let password_arg = format!("--password={}", server.root_password());
    for args in [
        vec!["-uroot", socket_arg.as_str()],
        vec!["-uroot", socket_arg.as_str(), password_arg.as_str()],
    ] {
        let (connected, error) = as_nobody(&args);
        assert!(!connected, "nobody connected to the sandbox");
        assert!(
            error.contains("2002") || error.contains("1045"),
            "refused for another reason: {error}"
        );
    }

    // The password lives in memory only: not in the data directory, not in a command line.
    let password = server.root_password().to_string();
    assert_eq!(
        files_containing(server.dir(), &password),
        Vec::<String>::new()
    );
    let pid = server.pid().expect("running");
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).expect("cmdline");
    assert!(!String::from_utf8_lossy(&cmdline).contains(&password));
}

#[tokio::test]
async fn a_server_on_tcp_refuses_root_without_its_password_from_any_user() {
    // The mode tests use to play production, and the sandbox's when a socket path is too long.
    let server = start(true).await;
    let port = server.port().expect("a TCP port");
    connect(&server.connect_options().host("127.0.0.1").port(port))
        .await
        .expect("root with the password over TCP");
    let by_tcp = MySqlConnectOptions::new()
        .host("127.0.0.1")
        .port(port)
        .username("root");
    assert_access_denied(by_tcp, "root, no password, TCP").await;

    let port_arg = format!("--port={port}");
    let (connected, error) = as_nobody(&["-uroot", "--protocol=tcp", "-h127.0.0.1", &port_arg]);
    assert!(!connected, "nobody connected over TCP without the password");
    assert!(
        error.contains("1045"),
        "refused for another reason: {error}"
    );
}

#[tokio::test]
async fn the_sandbox_ddl_eta_starts_is_the_socket_only_kind() {
    let sandbox = local_sandbox(64 << 20).await;
    assert!(sandbox.connect_options().get_socket().is_some());
    let mut conn = sandbox.connect().await.expect("connect");
    assert_eq!(
        scalar(&mut conn, "SELECT CAST(@@skip_networking AS CHAR)").await,
        "ON"
    );
    drop(conn);
    sandbox.close().await;
}
