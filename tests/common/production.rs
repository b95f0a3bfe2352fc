//! A second disposable server that plays production for the tests that read it by URL
//! (`profile`, `estimate --source`, `watch`): it listens on loopback TCP, as production
//! would, and each test file loads its own tables and accounts into database `prod`.

use ddl_eta::sandbox::local::{LocalOptions, LocalServer};
use sqlx::mysql::MySqlConnection;
use sqlx::Connection;

pub struct Production {
    pub server: LocalServer,
}

impl Production {
    /// A started, empty server with `extra_args` beside the local sandbox's settings.
    pub async fn start_with(extra_args: Vec<String>) -> Production {
        super::require_server_binary();
        let server = LocalServer::start(&LocalOptions {
            buffer_pool_bytes: 128 << 20,
            extra_args,
            tcp: true,
        })
        .await
        .expect("start the production server");
        Production { server }
    }

    pub async fn root(&self) -> MySqlConnection {
        let options = ddl_eta::server::plain_options(self.server.connect_options());
        MySqlConnection::connect_with(&options)
            .await
            .expect("connect as root")
    }

    /// The URL a user would give ddl-eta for database `prod`.
    pub fn url(&self, user: &str, password: &str) -> String {
        format!(
            "mysql://{user}:{password}@127.0.0.1:{}/prod",
            self.server.port().expect("listens on TCP")
        )
    }
}

/// Run one statement as set-up; a failure names it.
pub async fn exec(conn: &mut MySqlConnection, sql: &str) {
    sqlx::raw_sql(sql)
        .execute(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}
