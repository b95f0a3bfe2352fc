//! The elements of a CREATE TABLE list that are not columns (keys, foreign keys, checks)
//! and the column attributes the rest of the parser passes over (generated, CHECK), so a
//! table's whole structure can be built from its definition (the `table` module).

use super::lexer::{Token, TokenKind};
use super::tokens::{span_text, split_top_level_commas, top_level, Cursor};

/// What kind of key a list element defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Primary,
    Unique,
    Index,
    FullText,
    Spatial,
    Foreign,
}

/// A key of a CREATE TABLE list: `PRIMARY KEY (a)`, `UNIQUE KEY u (a, b(10))`,
/// `CONSTRAINT f FOREIGN KEY (a) REFERENCES p (id)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDefinition {
    pub kind: KeyKind,
    /// The index name, or the constraint's for a foreign key; None when the statement
    /// leaves it to the server.
    pub name: Option<String>,
    /// Columns with their prefix lengths, in order.
    pub parts: Vec<(String, Option<u64>)>,
    /// For a foreign key: the parent table and its columns.
    pub references: Option<(String, Vec<String>)>,
    /// For a foreign key: `ON DELETE` or `ON UPDATE` is `CASCADE` or `SET NULL`.
    pub cascades: bool,
}

/// A CHECK constraint: `CONSTRAINT c CHECK (x > 0)`, or a column's own `CHECK (...)`,
/// which MariaDB names after the column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckDefinition {
    pub name: Option<String>,
    /// The condition as written, without its parentheses.
    pub clause: String,
}

/// What a list element that is not a column defines.
pub(super) enum Element {
    Key(KeyDefinition),
    Check(CheckDefinition),
}

/// Reads a non-column element; None for what ddl-eta does not model (PERIOD FOR ...).
pub(super) fn element(src: &str, def: &[Token]) -> Option<Element> {
    let mut c = Cursor::new(def);
    let symbol = if c.eat_kw("CONSTRAINT") {
        let keywords = [
            "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "INDEX", "KEY", "FULLTEXT", "SPATIAL",
        ];
        // The symbol is optional: a keyword right after CONSTRAINT is not one.
        (!c.peek_any_kw(&keywords)).then(|| c.name()).flatten()
    } else {
        None
    };
    if c.eat_kw("CHECK") {
        let inner = c.parenthesised()?;
        return Some(Element::Check(CheckDefinition {
            name: symbol,
            clause: span_text(src, inner).trim().to_string(),
        }));
    }
    let kind = if c.eat_kws(&["PRIMARY", "KEY"]) {
        KeyKind::Primary
    } else if c.eat_kw("UNIQUE") {
        c.eat_any_kw(&["INDEX", "KEY"]);
        KeyKind::Unique
    } else if c.eat_kw("FULLTEXT") {
        c.eat_any_kw(&["INDEX", "KEY"]);
        KeyKind::FullText
    } else if c.eat_kw("SPATIAL") {
        c.eat_any_kw(&["INDEX", "KEY"]);
        KeyKind::Spatial
    } else if c.eat_any_kw(&["INDEX", "KEY"]) {
        KeyKind::Index
    } else if c.eat_kws(&["FOREIGN", "KEY"]) {
        KeyKind::Foreign
    } else {
        return None;
    };
    let mut name = None;
    if !c.peek_punct('(') && !c.peek_kw("USING") {
        name = c.name();
    }
    if c.eat_kw("USING") {
        c.advance();
    }
    let parts = key_parts(c.parenthesised()?);
    let references = if kind == KeyKind::Foreign && c.eat_kw("REFERENCES") {
        let parent = c.qualified_name()?;
        let columns = c
            .parenthesised()
            .map(|inner| key_parts(inner).into_iter().map(|(n, _)| n).collect())
            .unwrap_or_default();
        Some((parent, columns))
    } else {
        None
    };
    let cascades = references.is_some() && cascading_actions(c.rest());
    // A foreign key's name is its constraint's; another key's is its own, else the
    // constraint's (`CONSTRAINT u UNIQUE (a)` names the index u).
    let name = match kind {
        KeyKind::Primary => Some("PRIMARY".to_string()),
        KeyKind::Foreign => symbol.or(name),
        _ => name.or(symbol),
    };
    Some(Element::Key(KeyDefinition {
        kind,
        name,
        parts,
        references,
        cascades,
    }))
}

/// `ON DELETE CASCADE`, `ON UPDATE SET NULL`, ... among a foreign key's actions.
fn cascading_actions(actions: &[Token]) -> bool {
    let words: Vec<&Token> = top_level(actions).map(|(_, t)| t).collect();
    words.iter().enumerate().any(|(i, t)| {
        t.is_kw("CASCADE") || (t.is_kw("SET") && words.get(i + 1).is_some_and(|n| n.is_kw("NULL")))
    })
}

/// `a, b(10) DESC` → [("a", None), ("b", Some(10))]; functional parts are left out.
fn key_parts(inner: &[Token]) -> Vec<(String, Option<u64>)> {
    split_top_level_commas(inner)
        .into_iter()
        .filter_map(|range| inner.get(range))
        .filter_map(|part| {
            let mut c = Cursor::new(part);
            let name = c.name()?;
            let prefix = c
                .parenthesised()
                .and_then(|len| len.first())
                .filter(|t| t.kind == TokenKind::Number)
                .and_then(|t| t.text.parse().ok());
            Some((name, prefix))
        })
        .collect()
}

/// A column's generated-ness from its attributes: None for a stored column, Some(true)
/// for STORED / PERSISTENT, Some(false) for VIRTUAL (the default).
pub(super) fn generated(attributes: &[Token]) -> Option<bool> {
    let top: Vec<&Token> = top_level(attributes).map(|(_, t)| t).collect();
    let at = top
        .iter()
        .position(|t| t.is_kw("AS") || t.is_kw("GENERATED"))?;
    Some(
        top[at..]
            .iter()
            .any(|t| t.is_any_kw(&["STORED", "PERSISTENT"])),
    )
}

/// A column's own `CHECK (...)`, as written.
pub(super) fn column_check(src: &str, attributes: &[Token]) -> Option<String> {
    let (at, _) = top_level(attributes).find(|(_, t)| t.is_kw("CHECK"))?;
    let mut c = Cursor::new(attributes.get(at + 1..)?);
    let inner = c.parenthesised()?;
    Some(span_text(src, inner).trim().to_string())
}
