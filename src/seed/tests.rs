//! Seeding: keys, values and batches, checked on the SQL they produce.

use super::matched::*;
use super::values::*;
use super::*;
use crate::profile::LengthStats;

fn column(name: &str, data_type: &str, column_type: &str, max: Option<i64>) -> ColumnShape {
    ColumnShape {
        name: name.into(),
        data_type: data_type.into(),
        column_type: column_type.into(),
        kind: crate::ddl::types::parse(column_type),
        max_length: max,
        precision: None,
        scale: None,
        nullable: false,
        generated: false,
        typical_length: None,
    }
}

fn shape() -> TableShape {
    TableShape {
        name: "t".into(),
        columns: vec![
            column("id", "int", "int(11)", None),
            column("student_id", "int", "int(11)", None),
            column("module_id", "varchar", "varchar(255)", Some(255)),
            column("kind", "enum", "enum('a','b','it''s')", None),
        ],
        primary_key: vec!["id".into()],
        unique_keys: vec![
            vec!["id".into()],
            vec!["student_id".into(), "module_id".into()],
        ],
        secondary_indexes: vec![],
        foreign_keys: vec![],
        stats: HashMap::new(),
    }
}

#[test]
fn one_column_per_unique_key_is_made_injective() {
    let chosen = injective_columns(&shape(), None);
    assert!(chosen.contains("id"));
    // varchar(255) has the wider value space of the two in the composite key.
    assert!(chosen.contains("module_id"));
    assert!(!chosen.contains("student_id"));
}

fn stats(distinct: f64, seen: u64, top1: f64) -> ColumnStats {
    ColumnStats {
        column: ColumnProfile {
            name: "c".into(),
            data_type: "varchar".into(),
            nullable: true,
            null_fraction: 0.2,
            distinct,
            sample_distinct: seen,
            top1_share: top1,
            top10_share: 1.0,
            length: Some(LengthStats {
                mean: 10.0,
                min: 5.0,
                p10: 6.0,
                p25: 8.0,
                p50: 10.0,
                p75: 12.0,
                p90: 14.0,
                p99: 15.0,
                max: 300.0,
            }),
            min: None,
            max: None,
        },
        table_rows: 1_000_000,
        sample_rows: 100_000,
    }
}

#[test]
fn categories_keep_a_fixed_pool_and_ids_grow_with_the_table() {
    // Five values seen in the sample and estimated in the table: a constant pool.
    let categories = value_index(&stats(5.0, 5, 0.7), 1);
    assert!(
        categories.contains("IF(seq <= 5, seq - 1, "),
        "{categories}"
    );
    // A column whose distinct count grows with the rows: a pool that grows too.
    let ids = value_index(&stats(500_000.0, 60_000, 0.0001), 1);
    assert!(ids.contains("POW(seq"), "{ids}");
}

#[test]
fn lengths_follow_the_profile_and_stay_within_the_column_limit() {
    let lengths = stats(5.0, 5, 0.7).column.length.expect("lengths");
    let table = length_table(&lengths, 20.0);
    assert_eq!(table.len(), LENGTH_STEPS);
    assert!(table.iter().all(|&l| l <= 20), "{table:?}");
    // Without the cap: the profile's quantiles, within one step of the table.
    let table = length_table(&lengths, f64::INFINITY);
    let quantile = |q: f64| table[(q * LENGTH_STEPS as f64) as usize] as f64;
    for (q, want) in [
        (0.10, 6.0),
        (0.25, 8.0),
        (0.50, 10.0),
        (0.75, 12.0),
        (0.90, 14.0),
    ] {
        assert!((quantile(q) - want).abs() <= 1.0, "q{q}: {}", quantile(q));
    }
    // The top 1% spreads from p99 to the longest.
    assert!(table[LENGTH_STEPS - 1] > 250, "{}", table[LENGTH_STEPS - 1]);
    assert!(table.windows(2).all(|w| w[0] <= w[1]), "{table:?}");
    // A growing pool looks each value's length up in the table.
    let column = column("c", "varchar", "varchar(20)", Some(20));
    let sql = matched_value(&column, &stats(5e5, 60_000, 0.001), 1).expect("matched");
    assert!(sql.contains("ELT(1 + MOD("), "{sql}");
}

#[test]
fn profile_dates_are_checked_and_counted_in_days_and_seconds() {
    let day = |text: &str| Moment::parse(text).map(|m| m.days);
    assert_eq!(day("1970-01-01"), Some(0));
    assert_eq!(day("2000-03-01 00:00:00"), Some(11_017));
    assert_eq!(day("2024-02-29 23:59:59.123456"), Some(19_782));
    for bad in [
        "1'; DROP",
        "2023-02-29",
        "2013-13-01",
        "0000-00-00",
        "2013-01-01 24:00:00",
    ] {
        assert_eq!(Moment::parse(bad), None, "{bad}");
    }
    let mut dated = stats(4e7, 90_000, 0.0001);
    dated.column.min = Some("2013-01-01 00:00:00".into());
    dated.column.max = Some("2013-01-02 00:00:00.5".into());
    let column = column("created", "datetime", "datetime(6)", None);
    let sql = matched_value(&column, &dated, 1).expect("matched");
    // A typed literal and the whole span: 86 400 seconds and the last one.
    assert!(
        sql.contains("TIMESTAMP'2013-01-01 00:00:00' + INTERVAL"),
        "{sql}"
    );
    assert!(sql.contains("* 86401) SECOND"), "{sql}");
}

#[test]
fn matched_values_use_no_decimal_arithmetic_and_no_md5() {
    let mut numeric = stats(150.0, 150, 0.3);
    numeric.column.min = Some(0.0.into());
    numeric.column.max = Some(1.0.into());
    let text = stats(5e5, 60_000, 0.001);
    for (data_type, stats) in [("double", &numeric), ("varchar", &text)] {
        let column = column("c", data_type, data_type, Some(255));
        let sql = matched_value(&column, stats, 2).expect("matched");
        // A literal like 1.0 is DECIMAL, and DECIMAL arithmetic is the server's slowest.
        let decimal = sql
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
            .find(|word| word.contains('.') && !word.contains('e'));
        assert_eq!(decimal, None, "{sql}");
        assert!(!sql.contains("MD5"), "{sql}");
    }
}

#[test]
fn a_matched_string_computes_its_value_index_once_per_row_on_mariadb() {
    let column = column("c", "varchar", "varchar(255)", Some(255));
    let stats = stats(500_000.0, 60_000, 0.0001);
    let inline = matched_value(&column, &stats, 4).expect("matched");
    let (shared, declared) = share_subexpressions(&inline, &column, &stats, 4);
    assert_eq!(shared.matches("POW(").count(), 3, "{shared}");
    assert!(inline.matches("POW(").count() >= 4 * 3, "{inline}");
    assert_eq!(shared.matches("ELT(").count(), 1, "{shared}");
    // Each variable is assigned before it is read, in text (and evaluation) order.
    for variable in ["@ddl_eta_p4", "@ddl_eta_l4", "@ddl_eta_n4", "@ddl_eta_b4"] {
        let assigned = shared.find(&format!("({variable} := ")).expect(variable);
        let read = shared.rfind(variable).expect(variable);
        assert!(assigned < read, "{variable} in {shared}");
        assert!(
            declared.iter().any(|d| d.starts_with(variable)),
            "{declared:?}"
        );
    }
}

#[test]
fn enum_members_are_counted_with_doubled_quotes_and_commas() {
    let members = |t: &str| enum_members(&column("c", "enum", t, None));
    assert_eq!(members("enum('a','b','it''s')"), 3);
    assert_eq!(members("enum('a,b','c')"), 2);
    assert_eq!(members("set('x')"), 1);
    assert_eq!(members("varchar(3)"), 0);
}

#[test]
fn parents_are_seeded_before_children() {
    let mut child = shape();
    child.name = "child".into();
    child.foreign_keys.push(ForeignKey {
        column: "student_id".into(),
        parent_table: "parent".into(),
        parent_column: "id".into(),
    });
    let mut parent = shape();
    parent.name = "parent".into();
    assert_eq!(seeding_order(&[child, parent]), vec![1, 0]);
}

#[test]
fn mariadb_batches_come_from_the_sequence_engine() {
    let rows = HashMap::new();
    let counters = HashMap::new();
    let context = SeedContext {
        targets: &rows,
        counter_columns: &counters,
    };
    let maria = ServerInfo {
        flavor: crate::server::Flavor::Mariadb,
        version: "10.11.19".into(),
    };
    let sql = insert_batch_sql(&maria, "b", &shape(), &context, 11, 20).expect("sql");
    assert!(sql.ends_with("FROM seq_11_to_20"), "{sql}");
    let mysql = ServerInfo {
        flavor: crate::server::Flavor::Mysql,
        version: "8.0.39".into(),
    };
    let sql = insert_batch_sql(&mysql, "b", &shape(), &context, 11, 20).expect("sql");
    assert!(sql.contains("WITH RECURSIVE counter"), "{sql}");
}

#[test]
fn a_fixed_pool_of_strings_is_written_out_with_the_texts_computed_per_row_elsewhere() {
    let column = column("done", "varchar", "varchar(8)", Some(8));
    let mut two = stats(2.0, 2, 0.95);
    two.column.length = Some(LengthStats {
        mean: 2.0,
        min: 2.0,
        p10: 2.0,
        p25: 2.0,
        p50: 2.0,
        p75: 2.0,
        p90: 2.0,
        p99: 2.0,
        max: 2.0,
    });
    let sql = matched_value(&column, &two, 3).expect("matched");
    // CONV(48271, 10, 36) = 118V and CONV(96542, 10, 36) = 22HQ, cut to two bytes.
    assert!(sql.starts_with("ELT(1 + IF(seq <= 2, seq - 1, "), "{sql}");
    assert!(sql.ends_with(", '11', '22')"), "{sql}");
    // A pool that grows with the table computes its texts per row.
    let growing = matched_value(&column, &stats(5e5, 60_000, 0.001), 3).expect("matched");
    assert!(growing.starts_with("LEFT(CONCAT(CONV("), "{growing}");
}

/// PRIMARY KEY (kitchen_id, tag) with kitchen_id a foreign key to a seeded parent.
fn tag_link() -> TableShape {
    TableShape {
        name: "tag_link".into(),
        columns: vec![
            column("kitchen_id", "bigint", "bigint(20) unsigned", None),
            column("tag", "varchar", "varchar(30)", Some(30)),
        ],
        primary_key: vec!["kitchen_id".into(), "tag".into()],
        unique_keys: vec![vec!["kitchen_id".into(), "tag".into()]],
        secondary_indexes: vec![],
        foreign_keys: vec![ForeignKey {
            column: "kitchen_id".into(),
            parent_table: "kitchen".into(),
            parent_column: "id".into(),
        }],
        stats: HashMap::new(),
    }
}

#[test]
fn a_key_that_starts_with_a_foreign_key_makes_its_other_column_injective() {
    let targets = HashMap::from([
        ("kitchen".to_string(), 5000),
        ("tag_link".to_string(), 5000),
    ]);
    let counters = HashMap::from([("kitchen".to_string(), "id".to_string())]);
    let context = SeedContext {
        targets: &targets,
        counter_columns: &counters,
    };
    let shape = tag_link();
    // bigint outranks varchar(30), but kitchen_id repeats: it holds a parent's id.
    let chosen = injective_columns(&shape, Some(&context));
    assert_eq!(chosen, BTreeSet::from(["tag".to_string()]));
    let tag = column_expression(&shape, &shape.columns[1], 1, &context).expect("tag");
    assert!(tag.contains(PERMUTED_SEQ), "{tag}");
    let kitchen = column_expression(&shape, &shape.columns[0], 0, &context).expect("fk");
    assert!(kitchen.starts_with("1 + MOD(CRC32("), "{kitchen}");
    // Without a parent that is seeded with a counter the key column is no foreign key
    // value, and the choice is the one it always was.
    let no_parent = SeedContext {
        targets: &targets,
        counter_columns: &HashMap::new(),
    };
    let chosen = injective_columns(&shape, Some(&no_parent));
    assert_eq!(chosen, BTreeSet::from(["kitchen_id".to_string()]));
    assert_eq!(injective_columns(&shape, None), chosen);
}

/// A many-to-many table: UNIQUE (kitchen_id, tag) with both columns a parent's id.
#[test]
fn a_key_made_only_of_foreign_keys_is_unique_as_a_pair() {
    let mut shape = tag_link();
    shape.columns[1] = column("tag", "int", "int(11)", None);
    shape.foreign_keys.push(ForeignKey {
        column: "tag".into(),
        parent_table: "tag".into(),
        parent_column: "id".into(),
    });
    let targets = HashMap::from([
        ("kitchen".to_string(), 10),
        ("tag".to_string(), 10),
        ("tag_link".to_string(), 50),
    ]);
    let counters = HashMap::from([
        ("kitchen".to_string(), "id".to_string()),
        ("tag".to_string(), "id".to_string()),
    ]);
    let context = SeedContext {
        targets: &targets,
        counter_columns: &counters,
    };
    assert_eq!(injective_columns(&shape, Some(&context)), BTreeSet::new());
    let kitchen = column_expression(&shape, &shape.columns[0], 0, &context).expect("pair");
    let tag = column_expression(&shape, &shape.columns[1], 1, &context).expect("pair");
    assert!(
        kitchen.contains("SQRT") && tag.contains("SQRT"),
        "{kitchen} / {tag}"
    );
    assert_ne!(kitchen, tag);
    // More rows than pairs: one line naming the table and the key, not dropped rows.
    let crowded = HashMap::from([
        ("kitchen".to_string(), 10),
        ("tag".to_string(), 10),
        ("tag_link".to_string(), 101),
    ]);
    let context = SeedContext {
        targets: &crowded,
        counter_columns: &counters,
    };
    let error = column_expression(&shape, &shape.columns[0], 0, &context).expect_err("101 > 100");
    let message = format!("{error:#}");
    assert!(
        message.contains("table tag_link") && message.contains("10 x 10"),
        "{message}"
    );
}

/// A one-to-one link (UNIQUE (kitchen_id)) points row n at parent n.
#[test]
fn a_unique_foreign_key_points_each_row_at_its_own_parent() {
    let mut shape = tag_link();
    shape.unique_keys = vec![vec!["kitchen_id".into()]];
    shape.primary_key = vec!["tag".into()];
    let targets = HashMap::from([("kitchen".to_string(), 100), ("tag_link".to_string(), 80)]);
    let counters = HashMap::from([("kitchen".to_string(), "id".to_string())]);
    let context = SeedContext {
        targets: &targets,
        counter_columns: &counters,
    };
    let kitchen = column_expression(&shape, &shape.columns[0], 0, &context).expect("fk");
    assert_eq!(kitchen, "seq");
}

/// Two foreign keys to parents of one size used to get the same values (their salt was
/// the column name's length).
#[test]
fn foreign_keys_of_equal_name_length_get_different_values() {
    let mut shape = tag_link();
    shape.columns[1] = column("owner_id", "int", "int(11)", None);
    shape.columns[0].name = "maker_id".into();
    shape.unique_keys = vec![];
    shape.primary_key = vec![];
    shape.foreign_keys = ["maker_id", "owner_id"]
        .map(|c| ForeignKey {
            column: c.into(),
            parent_table: "kitchen".into(),
            parent_column: "id".into(),
        })
        .to_vec();
    let targets = HashMap::from([("kitchen".to_string(), 100), ("tag_link".to_string(), 1000)]);
    let counters = HashMap::from([("kitchen".to_string(), "id".to_string())]);
    let context = SeedContext {
        targets: &targets,
        counter_columns: &counters,
    };
    let maker = column_expression(&shape, &shape.columns[0], 0, &context).expect("fk");
    let owner = column_expression(&shape, &shape.columns[1], 1, &context).expect("fk");
    assert_ne!(maker, owner);
}

/// UNIQUE (kitchen_id, line) with a tinyint line and more rows than it holds: the line
/// numbers each parent's children instead of the table's rows.
#[test]
fn a_number_too_small_for_the_table_numbers_each_parents_children() {
    let mut shape = tag_link();
    shape.columns[1] = column("line", "tinyint", "tinyint(4)", None);
    shape.primary_key = vec![];
    shape.unique_keys = vec![vec!["kitchen_id".into(), "line".into()]];
    let counters = HashMap::from([("kitchen".to_string(), "id".to_string())]);
    let targets = |parents: u64, rows: u64| {
        HashMap::from([
            ("kitchen".to_string(), parents),
            ("tag_link".to_string(), rows),
        ])
    };
    let numbered = targets(100, 5_000);
    let context = SeedContext {
        targets: &numbered,
        counter_columns: &counters,
    };
    let kitchen = column_expression(&shape, &shape.columns[0], 0, &context).expect("parent");
    let line = column_expression(&shape, &shape.columns[1], 1, &context).expect("line");
    // 50 children a parent, one spare number.
    assert_eq!(kitchen, "1 + (CAST(seq AS SIGNED) - 1) DIV 51");
    assert_eq!(line, "MOD((CAST(seq AS SIGNED) - 1), 51)");
    // While the line can number every row, it does, as it always did.
    let small = targets(100, 100);
    let context = SeedContext {
        targets: &small,
        counter_columns: &counters,
    };
    let line = column_expression(&shape, &shape.columns[1], 1, &context).expect("line");
    assert_eq!(line, "seq");
    // 200 children a parent cannot be numbered below 127.
    let crowded = targets(100, 20_000);
    let context = SeedContext {
        targets: &crowded,
        counter_columns: &counters,
    };
    let error = column_expression(&shape, &shape.columns[1], 1, &context).expect_err("200 > 127");
    let message = format!("{error:#}");
    assert!(
        message.contains("(kitchen_id, line)") && message.contains("at most 127"),
        "{message}"
    );
}
