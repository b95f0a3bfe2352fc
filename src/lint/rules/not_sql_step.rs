//! DE012: a migration step that is not SQL (Django's RunPython, most often): no SQL to
//! check and nothing to time, and data migrations are often the longest step of a release.

use crate::lint::{Context, Hit, Level, Rule};
use crate::migration::Statement;

pub const RULE: Rule = Rule {
    code: "DE012",
    name: "not-sql-step",
    level: Level::Warning,
    explanation: "sqlmigrate cannot write this operation as SQL, so neither lint nor estimate sees what it does; a RunPython data migration loops over rows in Python and can outlast every ALTER of the release.",
    alternative: "Time the data step on a copy of production and give estimate its duration with --untimed-allowance; for a large table, write it as batched RunSQL or move it out of the release into a background job.",
    fires_on: "Django's `-- THIS OPERATION CANNOT BE WRITTEN AS SQL` marker (Django 4.1 and later) or `-- MIGRATION NOW PERFORMS OPERATION THAT CANNOT BE WRITTEN AS SQL:` (4.0 and earlier), in `sqlmigrate` output or any SQL file",
    bad: "--\n-- Raw Python operation\n--\n-- THIS OPERATION CANNOT BE WRITTEN AS SQL\n",
    good: "--\n-- Alter field grade on t\n--\nALTER TABLE t MODIFY grade double NULL;",
    check,
};

fn check(_ctx: &Context, statement: &Statement) -> Vec<Hit> {
    match &statement.not_sql {
        Some(description) => vec![Hit::new(format!(
            "not SQL ({description}): not checked and not timed"
        ))],
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::hits;

    #[test]
    fn bad_fires_on_both_markers() {
        let new = "--\n-- Raw Python operation\n--\n-- THIS OPERATION CANNOT BE WRITTEN AS SQL\n";
        let found = hits("DE012", new, None);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].1,
            "not SQL (Raw Python operation): not checked and not timed"
        );
        let old = "--\n-- MIGRATION NOW PERFORMS OPERATION THAT CANNOT BE WRITTEN AS SQL:\n-- Raw Python operation\n--\n";
        assert_eq!(hits("DE012", old, None).len(), 1);
    }

    #[test]
    fn good_is_quiet() {
        let sql = "--\n-- Raw SQL operation\n--\nUPDATE t SET grade = 0 WHERE grade IS NULL;";
        assert!(hits("DE012", sql, None).is_empty());
    }
}
