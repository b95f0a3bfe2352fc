//! The lint rules, one per file: each holds one check, its message, why it matters, the
//! safer alternative, and tests with a bad example that fires and a good one that does
//! not. Adding a rule is a new file and a line in `ALL`.

mod copy_blocks_writes;
mod drop_column;
mod drop_table;
mod foreign_key_checks_on;
mod lossy_charset;
mod missing_algorithm_lock;
mod narrowing_type;
mod not_null_without_default;
mod not_sql_step;
mod rename_column;
mod rename_table;
mod table_rebuild;

/// The rules that compare what a column holds before and after a change (the estimate's
/// checklist asks them whether a statement keeps every value).
pub const VALUE_RULES: [&Rule; 2] = [&narrowing_type::RULE, &lossy_charset::RULE];

use super::Rule;

/// Every rule, in code order; findings for a statement come in this order.
pub const ALL: &[Rule] = &[
    drop_table::RULE,
    drop_column::RULE,
    narrowing_type::RULE,
    lossy_charset::RULE,
    rename_column::RULE,
    rename_table::RULE,
    not_null_without_default::RULE,
    copy_blocks_writes::RULE,
    table_rebuild::RULE,
    foreign_key_checks_on::RULE,
    missing_algorithm_lock::RULE,
    not_sql_step::RULE,
];

/// The current tables every rule's `bad` and `good` examples are read against.
pub const EXAMPLE_SCHEMA: &str = "CREATE TABLE `t` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `name` varchar(100) NOT NULL,
  `grade` double DEFAULT NULL,
  `note` varchar(200) DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE `u` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `t_id` bigint NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;";

/// The clauses of `operation` that touch a column the running release already knows: on a
/// table the migration did not create, and not a column it added earlier. Changes to what
/// the migration itself made cannot break old code or lose old data.
fn on_existing_columns<'a>(
    ctx: &'a super::Context,
    statement: &'a crate::migration::Statement,
    operation: crate::migration::Operation,
) -> impl Iterator<Item = &'a crate::migration::Clause> + 'a {
    let table = statement.table.as_deref();
    let existing_table = !ctx.created_here(table);
    statement
        .clauses
        .iter()
        .filter(move |c| existing_table && c.operation == operation)
        .filter(move |c| !ctx.added_here(table, c.column.as_deref()))
}

/// `name` in backquotes, as people write identifiers in MySQL.
fn quoted(name: Option<&str>) -> String {
    format!("`{}`", name.unwrap_or("?"))
}

/// The findings of one rule on `sql` (target mysql:8.0), as (level, message).
#[cfg(test)]
fn hits(code: &str, sql: &str, schema: Option<&str>) -> Vec<(super::Level, String)> {
    hits_on(code, sql, schema, super::DEFAULT_TARGET)
}

#[cfg(test)]
fn hits_on(
    code: &str,
    sql: &str,
    schema: Option<&str>,
    target: &str,
) -> Vec<(super::Level, String)> {
    super::codes_for(sql, schema, target)
        .into_iter()
        .filter(|(c, _, _)| *c == code)
        .map(|(_, level, message)| (level, message))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_in_order() {
        let codes: Vec<&str> = ALL.iter().map(|r| r.code).collect();
        let expected: Vec<String> = (1..=ALL.len()).map(|n| format!("DE{n:03}")).collect();
        assert_eq!(codes, expected);
        for rule in ALL {
            assert!(
                !rule.explanation.contains('\n') && !rule.alternative.is_empty(),
                "{}",
                rule.code
            );
        }
    }

    #[test]
    fn each_rules_bad_example_fires_and_its_good_example_does_not() {
        for rule in ALL {
            let fired = |sql: &str| {
                super::super::codes_for(sql, Some(EXAMPLE_SCHEMA), super::super::DEFAULT_TARGET)
                    .iter()
                    .any(|(code, _, _)| *code == rule.code)
            };
            assert!(fired(rule.bad), "{}: bad example is quiet", rule.code);
            assert!(!fired(rule.good), "{}: good example fires", rule.code);
        }
    }
}
