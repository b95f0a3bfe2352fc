//! Seeding: keys, values and batches, checked on the SQL they produce.

use super::values::*;
use super::*;
use crate::profile::LengthStats;

fn column(name: &str, data_type: &str, column_type: &str, max: Option<i64>) -> ColumnShape {
    ColumnShape {
        name: name.into(),
        data_type: data_type.into(),
        column_type: column_type.into(),
        max_length: max,
        precision: None,
        scale: None,
        nullable: false,
        generated: false,
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
    let chosen = injective_columns(&shape());
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
    assert!(categories.contains("LEAST(seq, 5)"), "{categories}");
    // A column whose distinct count grows with the rows: a pool that grows too.
    let ids = value_index(&stats(500_000.0, 60_000, 0.0001), 1);
    assert!(ids.contains("POW(seq"), "{ids}");
}

#[test]
fn lengths_stay_within_the_column_limit() {
    let column = column("c", "varchar", "varchar(20)", Some(20));
    let sql = matched_value(&column, &stats(5.0, 5, 0.7), 1).expect("matched");
    assert!(!sql.contains("300"), "{sql}");
    assert!(date_literal("2020-01-01 00:00:00").is_some());
    assert!(date_literal("1'; DROP").is_none());
}

#[test]
fn a_matched_string_computes_its_value_index_once_per_row_on_mariadb() {
    let column = column("c", "varchar", "varchar(255)", Some(255));
    let stats = stats(500_000.0, 60_000, 0.0001);
    let inline = matched_value(&column, &stats, 4).expect("matched");
    let (shared, declared) = share_subexpressions(&inline, &stats, 4);
    assert_eq!(shared.matches("POW(").count(), 3, "{shared}");
    assert!(inline.matches("POW(").count() > 20, "{inline}");
    // Each variable is assigned before it is read, in text (and evaluation) order.
    for variable in ["@ddl_eta_p4", "@ddl_eta_u4", "@ddl_eta_n4", "@ddl_eta_b4"] {
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
fn enum_members_are_counted_with_doubled_quotes() {
    assert_eq!(enum_members("enum('a','b','it''s')"), 3);
    assert_eq!(enum_members("set('x')"), 1);
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
