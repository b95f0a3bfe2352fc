use super::*;

#[test]
fn row_counts_take_suffixes() {
    assert_eq!(parse_count("50M"), Some(50_000_000));
    assert_eq!(parse_count("2.5k"), Some(2_500));
    assert_eq!(parse_count("1_000"), Some(1_000));
    assert_eq!(parse_count("0"), None);
    assert_eq!(parse_count("lots"), None);
}

#[test]
fn rows_arguments_name_a_table_or_not() {
    let arg: RowsArg = "csm=3M".parse().expect("parses");
    assert_eq!(arg.table.as_deref(), Some("csm"));
    assert_eq!(arg.rows, 3_000_000);
    assert!("csm=x".parse::<RowsArg>().is_err());
}

fn two_tables() -> Vec<TableProfile> {
    ["a", "b"]
        .iter()
        .map(|n| TableProfile::bare(n.to_string(), String::new()))
        .collect()
}

#[test]
fn every_table_needs_rows() {
    let mut tables = two_tables();
    let only_a = [RowsArg {
        table: Some("a".into()),
        rows: 5,
    }];
    let err = assign_rows("s.sql", &mut tables, &only_a).unwrap_err();
    assert!(err.to_string().contains("missing for table b"), "{err}");
    let bare = [RowsArg {
        table: None,
        rows: 5,
    }];
    let err = assign_rows("s.sql", &mut two_tables(), &bare).unwrap_err();
    assert!(err.to_string().contains("ambiguous"), "{err}");
}

#[test]
fn byte_sizes_take_binary_suffixes_and_fractions() {
    assert_eq!(parse_bytes("480"), Some(480));
    assert_eq!(parse_bytes("1K"), Some(1024));
    assert_eq!(
        parse_bytes("22.9G"),
        Some((22.9 * 1024f64.powi(3)).round() as u64)
    );
    assert_eq!(parse_bytes("12.4GiB"), parse_bytes("12.4G"));
    assert_eq!(parse_bytes("2T"), Some(2 << 40));
    assert_eq!(parse_bytes("big"), None);
    let arg: SizeArg = "csm=1.5M".parse().expect("parses");
    assert_eq!(arg.table.as_deref(), Some("csm"));
    assert_eq!(arg.bytes, 1_572_864);
}

#[test]
fn foreign_key_parents_are_read_from_create_table() {
    let create = "CREATE TABLE `child` (`id` int, `a` int, `b` int, `c` int, \
        CONSTRAINT `fk_a` FOREIGN KEY (`a`) REFERENCES `parent_a` (`id`), \
        CONSTRAINT fk_b FOREIGN KEY (b) REFERENCES other_db.parent_b (id), \
        CONSTRAINT `fk_self` FOREIGN KEY (`c`) REFERENCES `child` (`id`), \
        CONSTRAINT `fk_a2` FOREIGN KEY (`a`) REFERENCES parent_a (id))";
    assert_eq!(foreign_key_parents(create), vec!["parent_a", "parent_b"]);
    assert!(foreign_key_parents("CREATE TABLE t (no_references int)").is_empty());
}

fn dump() -> Profile {
    let table = |name: &str, create: &str| {
        let mut t = TableProfile::bare(name.to_string(), create.to_string());
        t.rows = 100;
        t.profiled_at = Some(1000 + name.len() as u64);
        t
    };
    Profile {
        schema_version: SCHEMA_VERSION,
        server: None,
        tables: vec![
            table("users", "CREATE TABLE users (id int PRIMARY KEY)"),
            table(
                "orders",
                "CREATE TABLE orders (id int, user_id int, FOREIGN KEY (user_id) REFERENCES users (id))",
            ),
            table(
                "items",
                "CREATE TABLE items (id int, order_id int, FOREIGN KEY (order_id) REFERENCES orders (id))",
            ),
            table("unrelated", "CREATE TABLE unrelated (id int)"),
        ],
        settings: None,
        activity: None,
        source: None,
        skipped: vec![SkippedTable {
            name: "tiny".into(),
            rows: 3,
            bytes: 16384,
            reason: "below_threshold".into(),
            error: None,
        }],
    }
}

#[test]
fn narrowing_keeps_the_touched_tables_and_their_parents_transitively() {
    let mut profile = dump();
    let needed = profile.narrow(&["items".to_string()]).expect("narrows");
    let names: Vec<&str> = profile.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, vec!["users", "orders", "items"]);
    assert_eq!(needed.parents, vec!["orders", "users"]);
    let err = dump()
        .narrow(&["tiny".to_string()])
        .expect_err("tiny was skipped");
    assert!(
        err.to_string().contains("under the profile's threshold"),
        "{err}"
    );
    assert!(err.to_string().contains("--table tiny"), "{err}");
}
#[test]
fn a_whole_dump_needs_rows_only_for_the_touched_tables() {
    let dir = std::env::temp_dir().join(format!("ddl_eta_dump_{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("dump.sql");
    std::fs::write(
        &path,
        "CREATE TABLE users (id int PRIMARY KEY);\n\
         CREATE TABLE orders (id int PRIMARY KEY, user_id int, \
           FOREIGN KEY (user_id) REFERENCES users (id));\n\
         CREATE TABLE unrelated (id int PRIMARY KEY);\n",
    )
    .expect("write");
    let rows: Vec<RowsArg> = vec!["5000".parse().expect("rows")];
    let widths: Vec<SizeArg> = vec!["orders=96".parse().expect("width")];
    let facts = SchemaFacts {
        rows: &rows,
        data_bytes: &[],
        index_bytes: &[],
        avg_row_length: &widths,
    };
    let touched = vec!["orders".to_string()];
    let (profile, assumed) = from_schema(&path, &touched, &facts).expect("builds");
    let names: Vec<&str> = profile.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, vec!["users", "orders"]);
    assert_eq!(assumed, vec![("users".to_string(), 500)]);
    let orders = profile.table("orders").expect("orders");
    assert_eq!((orders.rows, orders.known_row_length()), (5000, Some(96.0)));
    let none = SchemaFacts {
        rows: &[],
        data_bytes: &[],
        index_bytes: &[],
        avg_row_length: &[],
    };
    let err = from_schema(&path, &touched, &none).expect_err("orders needs rows");
    assert!(
        err.to_string()
            .contains("--rows is missing for table orders"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_older_profile_without_statistics_still_loads() {
    let old = r#"{"schema_version":1,"tables":[{"name":"t","create_table":"CREATE TABLE t (id int)","rows":5}]}"#;
    let profile: Profile = serde_json::from_str(old).expect("loads");
    assert_eq!(profile.tables[0].rows, 5);
    assert!(profile.tables[0].columns.is_empty());
    assert!(profile.settings.is_none());
}

#[test]
fn sandbox_args_copy_ddl_settings_but_not_the_buffer_pool() {
    let mut settings = ServerSettings::default();
    settings.set("innodb_buffer_pool_size", 1 << 30);
    settings.set("innodb_sort_buffer_size", 4 << 20);
    let args = settings.sandbox_args();
    assert_eq!(
        args,
        vec!["--loose-innodb-sort-buffer-size=4194304".to_string()]
    );
}

#[test]
fn plain_text_is_worth_a_warning_only_off_the_machine() {
    let meta = |url: &str, encrypted: Option<bool>| SourceMeta {
        url: url.to_string(),
        database: "db".to_string(),
        profiled_at: 0,
        seconds: 1.0,
        encrypted,
        tls_version: None,
        tls_cipher: None,
        identity: None,
    };
    let remote = "mysql://ro:***@db.example:3306/db";
    let warning = meta(remote, Some(false))
        .plaintext_warning()
        .expect("warned");
    assert_eq!(
        warning,
        Warning::PlaintextSource {
            url: remote.to_string()
        }
    );
    for quiet in [
        meta(remote, Some(true)),
        meta(remote, None),
        meta("mysql://ro@127.0.0.1:3306/db", Some(false)),
        meta("mysql://ro@localhost/db", Some(false)),
        meta("mysql://ro@[::1]:3306/db", Some(false)),
        meta(
            "mysql://ro@db.example/db?socket=/run/mysqld.sock",
            Some(false),
        ),
    ] {
        assert_eq!(quiet.plaintext_warning(), None, "{}", quiet.url);
    }
}
