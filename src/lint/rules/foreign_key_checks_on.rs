//! DE010: ADD FOREIGN KEY while foreign_key_checks is on: the server copies the table to
//! check every row, blocking writes.

use crate::lint::{Context, Hit, Level, Rule};
use crate::migration::{Operation, Statement};

use super::quoted;

pub const RULE: Rule = Rule {
    code: "DE010",
    name: "foreign-key-checks-on",
    level: Level::Warning,
    explanation: "With foreign_key_checks on, MySQL and MariaDB add a foreign key only with ALGORITHM=COPY, blocking writes for the whole copy; with it off the ALTER is INPLACE and does not check existing rows.",
    alternative: "Check for orphan rows first, then run SET foreign_key_checks=0; the ALTER; SET foreign_key_checks=1 in one session (Django adds the column and its constraint in one ALTER: split them with RunSQL).",
    fires_on: "`ADD FOREIGN KEY` while foreign_key_checks is on (no earlier `SET foreign_key_checks=0` in the migration): ALGORITHM=COPY",
    bad: "ALTER TABLE u ADD CONSTRAINT u_t FOREIGN KEY (t_id) REFERENCES t (id);",
    good: "SET foreign_key_checks=0;\nALTER TABLE u ADD CONSTRAINT u_t FOREIGN KEY (t_id) REFERENCES t (id), ALGORITHM=INPLACE, LOCK=NONE;\nSET foreign_key_checks=1;",
    check,
};

fn check(ctx: &Context, statement: &Statement) -> Vec<Hit> {
    let table = statement.table.as_deref();
    if ctx.fk_checks_off() || ctx.created_here(table) {
        return Vec::new();
    }
    statement
        .clauses
        .iter()
        .filter(|c| c.operation == Operation::AddForeignKey)
        .map(|c| {
            let name = c.index_name.as_deref().map(|n| format!(" `{n}`")).unwrap_or_default();
            Hit::new(format!(
                "ADD FOREIGN KEY{name} on {} with foreign_key_checks on: ALGORITHM=COPY, writes blocked while the table is copied",
                quoted(table)
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::hits;

    const DJANGO: &str = "ALTER TABLE `t` ADD COLUMN `user_id` integer NULL , ADD CONSTRAINT `t_user_id_fk` FOREIGN KEY (`user_id`) REFERENCES `auth_user` (`id`)";

    #[test]
    fn bad_fires() {
        let found = hits("DE010", DJANGO, None);
        assert_eq!(
            found[0].1,
            "ADD FOREIGN KEY `t_user_id_fk` on `t` with foreign_key_checks on: ALGORITHM=COPY, writes blocked while the table is copied"
        );
        let found = hits(
            "DE010",
            &format!("SET foreign_key_checks=0;\nSET foreign_key_checks=1;\n{DJANGO}"),
            None,
        );
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn good_is_quiet() {
        let sql = format!("SET foreign_key_checks = 0;\n{DJANGO};\nSET foreign_key_checks = 1");
        assert!(hits("DE010", &sql, None).is_empty());
        assert!(hits("DE010", "ALTER TABLE t DROP FOREIGN KEY fk", None).is_empty());
    }
}
