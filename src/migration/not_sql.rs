//! Steps of a migration that are not SQL: Django's `sqlmigrate` writes a comment where an
//! operation (RunPython, most often) cannot be written as SQL. Each marker becomes a
//! statement of its own with `not_sql` set, so lint can name it and estimate can list it
//! as not timed instead of letting it drop out of the total.

use super::{Migration, Operation, Statement};

/// A step that is not SQL, taken out of the statements to run.
#[derive(Debug, Clone, PartialEq)]
pub struct NotSqlStep {
    pub file: String,
    pub line: usize,
    /// Django's description of the operation: "Raw Python operation".
    pub description: String,
    /// How many SQL statements of the migration run before it.
    pub after: usize,
}

impl Migration {
    /// The SQL statements alone (indexed again from 0, in order) and the steps that are
    /// not SQL, each placed after the statements before it.
    pub fn split_not_sql(self) -> (Migration, Vec<NotSqlStep>) {
        let mut statements = Vec::new();
        let mut steps = Vec::new();
        for mut statement in self.statements {
            match statement.not_sql.take() {
                Some(description) => steps.push(NotSqlStep {
                    file: statement.file,
                    line: statement.line,
                    description,
                    after: statements.len(),
                }),
                None => {
                    statement.index = statements.len();
                    statements.push(statement);
                }
            }
        }
        (Migration { statements }, steps)
    }
}

/// Django 4.1 and later: `-- <description>` then, after a `--` line, this.
const MARKER: &str = "THIS OPERATION CANNOT BE WRITTEN AS SQL";
/// Django 4.0 and earlier: this, then `-- <description>` on the next line.
const OLD_MARKER: &str = "MIGRATION NOW PERFORMS OPERATION THAT CANNOT BE WRITTEN AS SQL:";

/// The text of a `--` comment line, trimmed; None for any other line.
fn comment(line: &str) -> Option<&str> {
    line.trim().strip_prefix("--").map(str::trim)
}

/// The steps that are not SQL in `text`, as statements at their marker's line (1-based),
/// in the order found. Their `index` is left at 0 for `merge` to set.
pub(super) fn steps(file: &str, text: &str) -> Vec<Statement> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(words) = comment(line) else {
            continue;
        };
        let (description, sql) = if words == MARKER {
            // The description is the nearest comment above that says something.
            let description = lines[..i]
                .iter()
                .rev()
                .map_while(|l| comment(l))
                .find(|w| !w.is_empty())
                .unwrap_or("an operation");
            (description, format!("-- {description}\n-- {MARKER}"))
        } else if words == OLD_MARKER {
            let description = lines
                .get(i + 1)
                .and_then(|l| comment(l))
                .filter(|w| !w.is_empty())
                .unwrap_or("an operation");
            (description, format!("-- {OLD_MARKER}\n-- {description}"))
        } else {
            continue;
        };
        found.push(Statement {
            index: 0,
            file: file.to_string(),
            line: i + 1,
            sql,
            operation: Operation::Unknown,
            clauses: Vec::new(),
            table: None,
            creates_table: None,
            drops_table: None,
            algorithm_clause: None,
            lock_clause: None,
            not_sql: Some(description.to_string()),
        });
    }
    found
}

/// The SQL statements and the steps that are not SQL in line order, indexed from `first`.
pub(super) fn merge(sql: Vec<Statement>, steps: Vec<Statement>, first: usize) -> Vec<Statement> {
    if steps.is_empty() {
        return sql;
    }
    let mut all: Vec<Statement> = sql.into_iter().chain(steps).collect();
    // Stable: a marker never shares a line with a statement.
    all.sort_by_key(|s| s.line);
    for (i, statement) in all.iter_mut().enumerate() {
        statement.index = first + i;
    }
    all
}

#[cfg(test)]
mod tests {
    use super::super::parse_sql;

    /// `sqlmigrate` of a migration with an AddField and a RunPython, Django 5.2.
    const DJANGO_41: &str = include_str!("../../tests/fixtures/sqlmigrate_django52_runpython.sql");
    /// The same migration as Django 4.0 and earlier printed it.
    const DJANGO_40: &str = include_str!("../../tests/fixtures/sqlmigrate_django40_runpython.sql");

    fn summary(text: &str) -> Vec<(usize, usize, Option<String>)> {
        parse_sql("m.sql", text, 0)
            .expect("parses")
            .into_iter()
            .map(|s| (s.index, s.line, s.not_sql))
            .collect()
    }

    #[test]
    fn django_41_and_later_marks_a_python_step_after_its_description() {
        let python = Some("Raw Python operation".to_string());
        assert_eq!(
            summary(DJANGO_41),
            vec![(0, 4, None), (1, 8, python), (2, 12, None)]
        );
    }

    #[test]
    fn django_40_and_earlier_marks_it_before_its_description() {
        let python = Some("Raw Python operation".to_string());
        assert_eq!(
            summary(DJANGO_40),
            vec![(0, 4, None), (1, 6, python), (2, 12, None)]
        );
    }

    #[test]
    fn split_keeps_the_sql_in_order_and_places_each_step() {
        let migration = super::Migration {
            statements: parse_sql("m.sql", DJANGO_41, 0).expect("parses"),
        };
        let (sql, steps) = migration.split_not_sql();
        let indexes: Vec<usize> = sql.statements.iter().map(|s| s.index).collect();
        assert_eq!(indexes, vec![0, 1]);
        assert!(sql.statements.iter().all(|s| s.not_sql.is_none()));
        assert_eq!(steps.len(), 1);
        assert_eq!((steps[0].line, steps[0].after), (8, 1));
        assert_eq!(steps[0].description, "Raw Python operation");
    }

    #[test]
    fn a_plain_comment_is_not_a_step_and_indexes_run_on() {
        let statements = parse_sql(
            "m.sql",
            "-- THIS OPERATION IS FINE\nALTER TABLE t ADD c int;",
            5,
        )
        .expect("parses");
        assert_eq!(statements.len(), 1);
        assert_eq!(statements[0].index, 5);
        let marked = parse_sql(
            "m.sql",
            "ALTER TABLE t ADD c int;\n--\n-- Raw Python operation\n--\n-- THIS OPERATION CANNOT BE WRITTEN AS SQL\n",
            5,
        )
        .expect("parses");
        assert_eq!(marked.len(), 2);
        assert_eq!(marked[1].index, 6);
        assert!(marked[1].sql.contains("Raw Python operation"));
    }
}
