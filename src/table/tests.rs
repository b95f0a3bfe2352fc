use super::*;
use crate::migration::{parse_sql, table_definition};

fn info(sql: &str) -> TableInfo {
    let statements = parse_sql("t.sql", sql, 0).expect("parses");
    let definition = table_definition(statements.first().expect("a statement")).expect("a table");
    TableInfo::from_definition(&definition)
}

const RICH: &str = "CREATE TABLE `t` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `org` int DEFAULT NULL,
  `email` varchar(190) CHARACTER SET latin1 NOT NULL,
  `note` text,
  `doc` longtext DEFAULT NULL CHECK (json_valid(`doc`)),
  `domain` varchar(190) AS (substring_index(`email`,'@',-1)) VIRTUAL,
  `total` decimal(14,4) GENERATED ALWAYS AS (`id` * 2) STORED,
  PRIMARY KEY (`id`),
  UNIQUE KEY `u_email` (`email`),
  KEY `k_note` (`note`(20), `org`),
  FULLTEXT KEY `ft` (`note`),
  CONSTRAINT `fk_org` FOREIGN KEY (`org`) REFERENCES `db`.`orgs` (`id`),
  CONSTRAINT `positive` CHECK (`id` > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

#[test]
fn a_create_table_gives_columns_keys_and_checks() {
    let table = info(RICH);
    let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["id", "org", "email", "note", "doc", "domain", "total"]
    );
    let id = table.column("ID").expect("id");
    assert_eq!(
        id.kind,
        ColumnType::Int {
            bytes: 8,
            unsigned: true
        }
    );
    assert!(!id.nullable);
    let email = table.column("email").expect("email");
    assert_eq!(email.charset.as_deref(), Some("latin1"));
    assert_eq!(
        (email.char_length, email.octet_length),
        (Some(190), Some(190))
    );
    assert_eq!(
        table.column("note").and_then(|c| c.charset.as_deref()),
        Some("utf8mb4")
    );
    assert_eq!(table.column("org").and_then(|c| c.charset.as_deref()), None);
    let generated: Vec<&str> = table
        .columns
        .iter()
        .filter(|c| c.generated())
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(generated, ["domain", "total"]);
    assert!(table
        .column("total")
        .is_some_and(|c| c.extra == "stored generated"));
    assert!(table.json_checked(table.column("doc").expect("doc")));
    assert!(!table.json_checked(table.column("note").expect("note")));

    let keys: Vec<(&str, bool, Vec<String>)> = table
        .indexes
        .iter()
        .map(|i| (i.name.as_str(), i.unique, i.column_names()))
        .collect();
    assert_eq!(
        keys,
        [
            ("PRIMARY", true, vec!["id".to_string()]),
            ("u_email", true, vec!["email".to_string()]),
            ("k_note", false, vec!["note".to_string(), "org".to_string()]),
            ("ft", false, vec!["note".to_string()]),
        ]
    );
    assert_eq!(table.indexes[2].parts[0].prefix, Some(20));
    assert!(table.indexes[3].is_fulltext());
    assert_eq!(
        table.foreign_keys,
        [ForeignKey {
            name: "fk_org".into(),
            column: "org".into(),
            parent_table: "orgs".into(),
            parent_column: "id".into(),
            parent_here: true,
            cascades: false,
        }]
    );
    assert_eq!(table.parents(), ["orgs"]);
    let checks: Vec<(&str, &str)> = table
        .checks
        .iter()
        .map(|c| (c.name.as_str(), c.clause.as_str()))
        .collect();
    assert_eq!(
        checks,
        [("doc", "json_valid(`doc`)"), ("positive", "`id` > 0")]
    );
}

#[test]
fn the_primary_key_comes_first_when_asked_and_parents_come_once() {
    let mut table = info(
        "CREATE TABLE c (a int, b int, PRIMARY KEY (a), KEY a_b (a, b),
           FOREIGN KEY (a) REFERENCES p (id), FOREIGN KEY (b) REFERENCES p (id))",
    );
    // information_schema lists indexes by name: PRIMARY after a_b.
    table.indexes.reverse();
    let order: Vec<&str> = table
        .indexes_primary_first()
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(order, ["PRIMARY", "a_b"]);
    assert_eq!(table.parents(), ["p"]);
    assert!(table.is_last("B"));
}

#[test]
fn a_foreign_key_that_cascades_or_sets_null_is_marked() {
    let cascades = |actions: &str| {
        let table = info(&format!(
            "CREATE TABLE c (id int PRIMARY KEY, p int, \
             CONSTRAINT f FOREIGN KEY (p) REFERENCES parent (id) {actions})"
        ));
        table.has_cascading_foreign_key()
    };
    assert!(cascades("ON DELETE CASCADE"));
    assert!(cascades("ON DELETE RESTRICT ON UPDATE SET NULL"));
    assert!(!cascades(""));
    assert!(!cascades("ON DELETE RESTRICT ON UPDATE NO ACTION"));
    assert!(!cascades("ON DELETE SET DEFAULT"));
}
