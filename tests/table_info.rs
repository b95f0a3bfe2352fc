//! The one reader of a table against a real server: what information_schema says of a
//! rich table (and of a name that needs quoting) is what the table's own SHOW CREATE
//! TABLE says, parsed, leaving aside what only the server knows (statistics, defaults'
//! text, lengths of TEXT columns).

mod common;
use common::local_sandbox;
use ddl_eta::ddl::types::ColumnType;
use ddl_eta::migration::{parse_sql, table_definition};
use ddl_eta::table::TableInfo;
use sqlx::Row;

const PARENT: &str = "CREATE TABLE `org ä` (
  `id` int unsigned NOT NULL,
  `code` varchar(12) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `org_code` (`code`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

const RICH: &str = "CREATE TABLE `kitchen``sink ä` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `org id` int unsigned NOT NULL,
  `reviewer` int unsigned DEFAULT NULL,
  `email` varchar(190) NOT NULL,
  `handle` varchar(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  `title` varchar(100) CHARACTER SET latin1 DEFAULT NULL,
  `status` enum('new','active','it''s done') NOT NULL DEFAULT 'new',
  `flags` set('a','b','c') DEFAULT NULL,
  `is_admin` tinyint(1) NOT NULL DEFAULT 0,
  `price` decimal(12,4) DEFAULT NULL,
  `score` double NOT NULL DEFAULT 0,
  `weight` float DEFAULT NULL,
  `born` date DEFAULT NULL,
  `seen_at` datetime(6) DEFAULT NULL,
  `opens` time DEFAULT NULL,
  `code` char(8) NOT NULL,
  `token` varbinary(64) DEFAULT NULL,
  `note` text,
  `payload` blob,
  `doc` json DEFAULT NULL,
  `domain` varchar(190) AS (substring_index(`email`, '@', -1)) VIRTUAL,
  `total` decimal(14,4) AS (`price` * 2) STORED,
  PRIMARY KEY (`id`),
  UNIQUE KEY `ks_email` (`email`),
  UNIQUE KEY `ks_org_handle` (`org id`, `handle`),
  KEY `ks_note` (`note`(20)),
  KEY `ks_code_seen` (`code`, `seen_at`),
  KEY `ks_domain` (`domain`),
  CONSTRAINT `ks_org` FOREIGN KEY (`org id`) REFERENCES `org ä` (`id`),
  CONSTRAINT `ks_reviewer` FOREIGN KEY (`reviewer`) REFERENCES `org ä` (`id`),
  CONSTRAINT `ks_positive` CHECK (`score` >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

type Columns = Vec<(String, ColumnType, bool, bool, Option<String>)>;
type Indexes = Vec<(String, bool, String, Vec<(String, Option<u64>)>)>;
type Keys = Vec<(String, String, String, String)>;

/// What both readers can know, in an order that does not depend on the reader.
fn structure(table: &TableInfo, with_checks: bool) -> (Columns, Indexes, Keys, Vec<String>) {
    let columns = table
        .columns
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                c.kind.clone(),
                c.nullable,
                c.generated(),
                c.charset.clone(),
            )
        })
        .collect();
    let mut indexes: Indexes = table
        .indexes
        .iter()
        .map(|i| {
            let parts = i
                .parts
                .iter()
                .map(|p| (p.column.clone(), p.prefix))
                .collect();
            (i.name.clone(), i.unique, i.index_type.clone(), parts)
        })
        .collect();
    indexes.sort();
    let mut keys: Keys = table
        .foreign_keys
        .iter()
        .map(|k| {
            (
                k.name.clone(),
                k.column.clone(),
                k.parent_table.clone(),
                k.parent_column.clone(),
            )
        })
        .collect();
    keys.sort();
    let mut checks: Vec<String> = match with_checks {
        true => table
            .checks
            .iter()
            .map(|c| format!("{}: {}", c.name, c.clause))
            .collect(),
        false => Vec::new(),
    };
    checks.sort();
    (columns, indexes, keys, checks)
}

#[tokio::test]
async fn information_schema_and_the_parsed_create_table_agree() {
    let sandbox = local_sandbox(64 << 20).await;
    let mut conn = sandbox.connect_loader().await.expect("connect");
    for sql in [PARENT, RICH] {
        sqlx::raw_sql(sql).execute(&mut conn).await.expect("create");
    }
    let name = "kitchen`sink ä";
    let live = TableInfo::read(&mut conn, name).await.expect("read");
    let row = sqlx::raw_sql(&format!(
        "SHOW CREATE TABLE {}",
        ddl_eta::quote::ident(name)
    ))
    .fetch_one(&mut conn)
    .await
    .expect("show create");
    let create: String = row.try_get(1).expect("text");
    let statements = parse_sql("show.sql", &create, 0).expect("parses");
    let definition = table_definition(&statements[0]).expect("a definition");
    let parsed = TableInfo::from_definition(&definition);
    assert_eq!(parsed.name, name);
    // MySQL lists no checks by table (its CHECK_CONSTRAINTS has no TABLE_NAME).
    let checks = sandbox.server.is_mariadb();
    assert_eq!(
        structure(&live, checks),
        structure(&parsed, checks),
        "{create}"
    );

    // The facts the test is about are there at all.
    assert_eq!(live.columns.len(), 22);
    assert!(live.columns.iter().filter(|c| c.generated()).count() == 2);
    assert_eq!(live.parents(), ["org ä"]);
    assert_eq!(
        live.primary_key().map(|i| i.column_names()),
        Some(vec!["id".into()])
    );
    let note = live
        .indexes
        .iter()
        .find(|i| i.name == "ks_note")
        .expect("ks_note");
    assert_eq!(note.parts[0].prefix, Some(20));
    let doc = live.column("doc").expect("doc");
    assert!(doc.data_type == "json" || live.json_checked(doc));
    assert_eq!(
        live.column("status")
            .and_then(|c| c.default.clone())
            .map(|d| d.trim_matches('\'').to_string()),
        Some("new".into())
    );
    assert!(TableInfo::read(&mut conn, "no such table")
        .await
        .expect("read")
        .columns
        .is_empty());
    drop(conn);
    sandbox.close().await;
}

/// The one reader of information_schema.TABLES: tables and views told apart, a table's
/// rows and bytes after ANALYZE, one table or all, in this database or another.
#[tokio::test]
async fn table_statistics_come_from_one_reader() {
    use ddl_eta::table::{stats, Database};
    let sandbox = local_sandbox(64 << 20).await;
    let mut conn = sandbox.connect_loader().await.expect("connect");
    for sql in [
        PARENT,
        "INSERT INTO `org ä` SELECT seq, CONCAT('c', seq) FROM seq_1_to_500",
        "ANALYZE TABLE `org ä`",
        "CREATE VIEW `org view` AS SELECT id FROM `org ä`",
        "CREATE DATABASE other",
        "CREATE TABLE other.elsewhere (id int PRIMARY KEY) ENGINE=InnoDB",
    ] {
        sqlx::raw_sql(sql).execute(&mut conn).await.expect(sql);
    }
    let all = stats(&mut conn, Database::Current, None)
        .await
        .expect("stats");
    // In the server's collation's order, which puts "ä" beside "a".
    let names: Vec<(&str, bool)> = all
        .iter()
        .map(|t| (t.name.as_str(), t.base_table))
        .collect();
    assert_eq!(names, [("org ä", true), ("org view", false)]);
    let org = stats(&mut conn, Database::Current, Some("org ä"))
        .await
        .expect("stats");
    assert_eq!(org.len(), 1);
    let org = &org[0];
    assert_eq!(org.engine.as_deref(), Some("InnoDB"));
    assert!(
        org.rows.is_some_and(|r| (250..=1000).contains(&r)),
        "an estimate near 500: {org:?}"
    );
    assert!(org.bytes() >= 16 << 10, "{org:?}");
    assert!(org.avg_row_length.is_some_and(|a| a > 0), "{org:?}");
    let other = stats(&mut conn, Database::Named("other"), Some("elsewhere"))
        .await
        .expect("stats");
    assert_eq!(other.len(), 1, "{other:?}");
    assert!(stats(&mut conn, Database::Current, Some("elsewhere"))
        .await
        .expect("stats")
        .is_empty());
    drop(conn);
    sandbox.close().await;
}
