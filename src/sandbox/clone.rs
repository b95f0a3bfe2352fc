//! Fresh tables by file copy, through InnoDB's transportable tablespaces: a table flushed
//! with `FLUSH TABLES … FOR EXPORT` is consistent on disk, and its `.ibd` (with the `.cfg`
//! that describes its indexes), put in place of another table's discarded tablespace and
//! imported, is a clone made in the time a file copy takes, where `INSERT … SELECT`
//! rebuilds every index row by row. Only on a server whose files ddl-eta can reach.

use crate::quote::{ident, idents};
use crate::table::{Database, Index};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use sqlx::mysql::MySqlConnection;
use sqlx::Row;
use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

/// The tests' way to make the server refuse an import, to check the fall-back to copying:
/// with `clone-import` the `.cfg` is left out, and MariaDB refuses to import a table with
/// secondary indexes without it (a real refusal, not a simulated one).
pub const FAULT_VARIABLE: &str = "DDL_ETA_FAULT";

/// Clone every `(from, to)` pair: `to` exists with `from`'s definition (indexes in the same
/// names), and whatever rows it holds are replaced. All sources are exported together, so
/// tables linked by foreign keys come from one consistent state. Returns the bytes copied.
/// On an error the `to` tables may be left discarded: drop them and `remove_files`.
pub async fn clone_tables(
    conn: &mut MySqlConnection,
    table_dir: &Path,
    pairs: &[(String, String)],
) -> Result<u64> {
    if pairs.is_empty() {
        return Ok(0);
    }
    for (_, to) in pairs {
        execute(
            conn,
            &format!("ALTER TABLE {} DISCARD TABLESPACE", ident(to)),
        )
        .await?;
    }
    let sources: Vec<&str> = pairs.iter().map(|(from, _)| from.as_str()).collect();
    execute(
        conn,
        &format!("FLUSH TABLES {} FOR EXPORT", idents(&sources)),
    )
    .await?;
    let copied = copy_exported(table_dir, pairs);
    // Unlock whatever the copy did: the export holds a read lock on the sources.
    let unlocked = execute(conn, "UNLOCK TABLES").await;
    let bytes = copied?;
    unlocked?;
    for (_, to) in pairs {
        execute(
            conn,
            &format!("ALTER TABLE {} IMPORT TABLESPACE", ident(to)),
        )
        .await?;
        // The server has read the .cfg; left there it would only take space.
        let _ = std::fs::remove_file(table_file(table_dir, to, "cfg"));
    }
    Ok(bytes)
}

fn copy_exported(table_dir: &Path, pairs: &[(String, String)]) -> Result<u64> {
    let skip_cfg = std::env::var(FAULT_VARIABLE).is_ok_and(|v| v == "clone-import");
    let mut bytes = 0;
    for (from, to) in pairs {
        for ext in ["ibd", "cfg"] {
            if ext == "cfg" && skip_cfg {
                continue;
            }
            let (source, target) = (
                table_file(table_dir, from, ext),
                table_file(table_dir, to, ext),
            );
            bytes += copy_file(&source, &target)
                .with_context(|| format!("copying {} to {}", source.display(), target.display()))?;
        }
    }
    Ok(bytes)
}

/// Remove what a failed clone may have left of table `name` after it was dropped: the
/// server does not know a file it never imported.
pub fn remove_files(table_dir: &Path, name: &str) {
    if !is_file_name(name) {
        return;
    }
    for ext in ["ibd", "cfg"] {
        let _ = std::fs::remove_file(table_file(table_dir, name, ext));
    }
}

/// Whether the server keeps the table in a file of the same name (it encodes anything
/// else, and a name like `../x` must never reach a path).
fn is_file_name(table: &str) -> bool {
    !table.is_empty() && table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A table's file; only names that are their own file name are ever cloned (see
/// `refusal`), so no encoding is needed.
fn table_file(table_dir: &Path, table: &str, ext: &str) -> PathBuf {
    table_dir.join(format!("{table}.{ext}"))
}

/// A copy-on-write clone where the filesystem has one (btrfs, XFS), a plain copy elsewhere.
fn copy_file(from: &Path, to: &Path) -> std::io::Result<u64> {
    let source = File::open(from)?;
    let target = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(to)?;
    // SAFETY: FICLONE takes two open descriptors; it fails cleanly where unsupported.
    let cloned = unsafe { libc::ioctl(target.as_raw_fd(), libc::FICLONE, source.as_raw_fd()) };
    if cloned == 0 {
        return Ok(source.metadata()?.len());
    }
    drop(target);
    std::fs::copy(from, to)
}

/// Why a table is copied rather than cloned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// Its name is not its file name (characters the server encodes).
    FileName,
    NotInnodb,
    /// MariaDB cannot discard or import a partitioned table.
    Partitioned,
    /// A full-text index's auxiliary tables are not exported: the import succeeds and
    /// leaves a stale index.
    FullText,
    /// Not in a file of its own (a shared tablespace or another directory).
    SharedTablespace,
    /// Linked by foreign keys to a table that is copied: parent and child come together.
    ForeignKeyGroup,
}

/// Why the table cannot be cloned, or None when it can.
pub async fn refusal(conn: &mut MySqlConnection, table: &str) -> Result<Option<Refusal>> {
    if !is_file_name(table) {
        return Ok(Some(Refusal::FileName));
    }
    let storage = crate::table::stats(conn, Database::Current, Some(table))
        .await?
        .into_iter()
        .next()
        .with_context(|| format!("reading the storage of table {table}: no such table"))?;
    let file_per_table: i64 = sqlx::raw_sql("SELECT CAST(@@innodb_file_per_table AS SIGNED)")
        .fetch_one(&mut *conn)
        .await
        .and_then(|row| row.try_get(0))
        .context("reading innodb_file_per_table")?;
    let (engine, options) = (storage.engine, storage.create_options);
    let fulltext = crate::table::indexes(conn, table)
        .await?
        .iter()
        .any(Index::is_fulltext);
    let create = show_create(conn, table).await?.to_ascii_uppercase();
    Ok(
        if !engine.is_some_and(|e| e.eq_ignore_ascii_case("innodb")) {
            Some(Refusal::NotInnodb)
        } else if options.to_ascii_lowercase().contains("partitioned") {
            Some(Refusal::Partitioned)
        } else if fulltext {
            Some(Refusal::FullText)
        } else if file_per_table == 0
            || create.contains("DATA DIRECTORY")
            || create.contains(" TABLESPACE")
        {
            Some(Refusal::SharedTablespace)
        } else {
            None
        },
    )
}

pub async fn show_create(conn: &mut MySqlConnection, table: &str) -> Result<String> {
    let row = sqlx::raw_sql(&format!("SHOW CREATE TABLE {}", ident(table)))
        .fetch_one(&mut *conn)
        .await
        .with_context(|| format!("reading the definition of {table}"))?;
    Ok(row.try_get(1)?)
}

/// The secondary index clauses of a `SHOW CREATE TABLE` text, as `ADD …` clauses: what a
/// table made without them needs to match the original, index for index.
pub fn secondary_index_clauses(create: &str) -> Vec<String> {
    const KINDS: [&str; 4] = ["KEY ", "UNIQUE KEY ", "SPATIAL KEY ", "FULLTEXT KEY "];
    create
        .lines()
        .map(str::trim)
        .filter(|line| KINDS.iter().any(|kind| line.starts_with(kind)))
        .map(|line| format!("ADD {}", line.trim_end_matches(',')))
        .collect()
}

/// Bytes free to an unprivileged writer in the filesystem holding `dir`.
pub fn free_bytes(dir: &Path) -> Option<u64> {
    let path = CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs fills the struct we own from a NUL-terminated path.
    let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::statvfs(path.as_ptr(), &mut stats) };
    (rc == 0).then(|| stats.f_bavail as u64 * stats.f_frsize as u64)
}

/// Stop before the ladder when its tables would not fit: `needed` bytes in `dir`.
pub fn check_space(needed: u64, free: Option<u64>, dir: &Path) -> Result<()> {
    match free {
        Some(free) if free < needed => bail!(
            "not enough disk space for the ladder's tables: about {} MB needed in {}, {} MB free; \
             free some space, lower --max-rows or --budget, or choose another directory with --work-dir",
            needed.div_ceil(1_000_000),
            dir.display(),
            free / 1_000_000
        ),
        _ => Ok(()),
    }
}

async fn execute(conn: &mut MySqlConnection, sql: &str) -> Result<()> {
    sqlx::raw_sql(sql)
        .execute(&mut *conn)
        .await
        .map(|_| ())
        .map_err(|e| {
            let message = e
                .as_database_error()
                .map_or_else(|| e.to_string(), |d| d.message().to_string());
            anyhow::anyhow!("{sql}: {message}")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secondary_indexes_are_read_from_show_create_table() {
        let create = "CREATE TABLE `t` (\n  `id` int NOT NULL,\n  `a` int,\n  `b` text,\n  \
                      PRIMARY KEY (`id`),\n  UNIQUE KEY `u` (`a`,`id`),\n  KEY `k` (`a`) COMMENT 'x',\n  \
                      CONSTRAINT `fk` FOREIGN KEY (`a`) REFERENCES `p` (`id`)\n) ENGINE=InnoDB";
        assert_eq!(
            secondary_index_clauses(create),
            vec![
                "ADD UNIQUE KEY `u` (`a`,`id`)".to_string(),
                "ADD KEY `k` (`a`) COMMENT 'x'".to_string()
            ]
        );
    }

    #[test]
    fn too_little_space_names_the_bytes_and_the_directory() {
        let dir = Path::new("/var/tmp/x");
        let error = check_space(5_000_000_000, Some(1_000_000_000), dir).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("5000 MB needed in /var/tmp/x"), "{text}");
        assert!(text.contains("--work-dir"), "{text}");
        assert!(check_space(5, Some(10), dir).is_ok());
        assert!(check_space(5, None, dir).is_ok());
    }

    #[test]
    fn a_file_copy_keeps_every_byte() {
        let dir = std::env::temp_dir().join(format!("ddl-eta-unit-clone-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let (a, b) = (dir.join("a"), dir.join("b"));
        std::fs::write(&a, vec![7u8; 100_000]).expect("write");
        std::fs::write(&b, b"old, longer than nothing").expect("write");
        assert_eq!(copy_file(&a, &b).expect("copy"), 100_000);
        assert_eq!(std::fs::read(&b).expect("read"), vec![7u8; 100_000]);
        assert!(free_bytes(&dir).is_some_and(|f| f > 0));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
