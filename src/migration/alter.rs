//! ALTER TABLE: the header, the comma-separated commands, and one `Clause` per effective
//! command. ALGORITHM=/LOCK= options are pulled out of the command list, so that the
//! probe rewrite can put its own in their place.

use super::lexer::{Token, TokenKind};
use super::tokens::{
    contains_top_level_kw, find_options, key_part_names, normalized_text, span_text,
    split_top_level_commas, top_level, Cursor, DdlOption,
};
use super::{Clause, InlineKey, Operation};

/// A parsed `ALTER [ONLINE] [IGNORE] TABLE [IF EXISTS] t [WAIT n | NOWAIT] commands`.
pub(crate) struct AlterTable {
    pub table: Option<String>,
    /// Byte offset just after the header's last token: a comment between the header and
    /// the commands must not swallow a rewritten command list.
    pub header_end: usize,
    pub commands: Vec<AlterCommand>,
    pub options: Vec<DdlOption>,
}

/// One comma-separated command, with any ALGORITHM/LOCK option removed from it.
pub(crate) struct AlterCommand {
    pub text: String,
    pub clauses: Vec<Clause>,
}

impl AlterTable {
    pub fn clauses(&self) -> impl Iterator<Item = &Clause> {
        self.commands.iter().flat_map(|c| c.clauses.iter())
    }
}

/// None when the tokens are not an ALTER TABLE statement.
pub(crate) fn parse_alter_table(src: &str, toks: &[Token]) -> Option<AlterTable> {
    let mut c = Cursor::new(toks);
    if !c.eat_kw("ALTER") {
        return None;
    }
    c.eat_any_kw(&["ONLINE", "OFFLINE"]);
    c.eat_kw("IGNORE");
    if !c.eat_kw("TABLE") {
        return None;
    }
    c.skip_if_exists();
    let table = c.qualified_name();
    if c.eat_kw("WAIT") {
        c.advance();
    } else {
        c.eat_kw("NOWAIT");
    }
    let body = c.rest();
    let header_len = toks.len() - body.len();
    let header_end = header_len
        .checked_sub(1)
        .and_then(|last| toks.get(last))
        .map_or(0, Token::end);
    let mut commands = Vec::new();
    let mut options = Vec::new();
    for range in split_top_level_commas(body) {
        let part = body.get(range).unwrap_or(&[]);
        let part_options = find_options(part);
        let kept = tokens_outside_options(part, &part_options);
        options.extend(part_options);
        if !kept.is_empty() {
            let text = text_of_kept(src, part, &kept);
            let tokens: Vec<Token> = kept.iter().filter_map(|&i| part.get(i).copied()).collect();
            let clauses = classify_command(src, &tokens, &text);
            commands.push(AlterCommand { text, clauses });
        }
    }
    Some(AlterTable {
        table,
        header_end,
        commands,
        options,
    })
}

fn tokens_outside_options(part: &[Token], options: &[DdlOption]) -> Vec<usize> {
    (0..part.len())
        .filter(|i| !options.iter().any(|o| o.range.contains(i)))
        .collect()
}

/// The command's text as written; when an option sat in its middle, the pieces on either
/// side joined by a space.
fn text_of_kept(src: &str, part: &[Token], kept: &[usize]) -> String {
    let mut pieces: Vec<&str> = Vec::new();
    let mut run_start = 0;
    for k in 1..=kept.len() {
        let run_ends = k == kept.len() || kept.get(k).copied() != kept.get(k - 1).map(|i| i + 1);
        if run_ends {
            let first = kept.get(run_start).copied().unwrap_or(0);
            let last = kept.get(k - 1).copied().unwrap_or(0);
            pieces.push(span_text(src, part.get(first..=last).unwrap_or(&[])));
            run_start = k;
        }
    }
    pieces.join(" ")
}

/// Keywords that start a table option (`ENGINE=InnoDB`, `COMMENT 'x'`, ...).
const TABLE_OPTIONS: &[&str] = &[
    "AUTO_INCREMENT",
    "AUTOEXTEND_SIZE",
    "AVG_ROW_LENGTH",
    "CHARACTER",
    "CHARSET",
    "CHECKSUM",
    "COLLATE",
    "COMMENT",
    "COMPRESSION",
    "CONNECTION",
    "DATA",
    "DEFAULT",
    "DELAY_KEY_WRITE",
    "ENCRYPTED",
    "ENCRYPTION",
    "ENCRYPTION_KEY_ID",
    "ENGINE",
    "ENGINE_ATTRIBUTE",
    "IETF_QUOTES",
    "INSERT_METHOD",
    "KEY_BLOCK_SIZE",
    "MAX_ROWS",
    "MIN_ROWS",
    "PACK_KEYS",
    "PAGE_CHECKSUM",
    "PAGE_COMPRESSED",
    "PAGE_COMPRESSION_LEVEL",
    "PASSWORD",
    "ROW_FORMAT",
    "SECONDARY_ENGINE",
    "SECONDARY_ENGINE_ATTRIBUTE",
    "SEQUENCE",
    "STATS_AUTO_RECALC",
    "STATS_PERSISTENT",
    "STATS_SAMPLE_PAGES",
    "TABLE_CHECKSUM",
    "TABLESPACE",
    "TRANSACTIONAL",
    "UNION",
];

/// Classifies one ALTER TABLE command; `ADD COLUMN (a int, b int)` gives one clause per column.
pub(crate) fn classify_command(src: &str, toks: &[Token], text: &str) -> Vec<Clause> {
    // Partitioning may trail any command without a comma; such statements are left to
    // the server rather than half-understood.
    if contains_top_level_kw(toks, &["PARTITION", "PARTITIONING", "SUBPARTITION"]) {
        return vec![Clause::new(Operation::Unknown, text)];
    }
    let mut c = Cursor::new(toks);
    let clause = if c.eat_kw("ADD") {
        return add_command(src, &mut c, text);
    } else if c.eat_kw("DROP") {
        drop_command(&mut c, text)
    } else if c.eat_kw("MODIFY") {
        modify_command(&mut c, text)
    } else if c.eat_kw("CHANGE") {
        change_command(&mut c, text)
    } else if c.eat_kw("ALTER") {
        alter_command(&mut c, text)
    } else if c.eat_kw("RENAME") {
        rename_command(&mut c, text)
    } else if c.eat_kws(&["CONVERT", "TO"]) {
        convert_command(&mut c, text)
    } else if c.peek_kw("FORCE") && toks.len() == 1 {
        Clause::new(Operation::Rebuild, text)
    } else if c.peek_any_kw(TABLE_OPTIONS) {
        table_options(toks, text)
    } else {
        Clause::new(Operation::Unknown, text)
    };
    vec![clause]
}

fn add_command(src: &str, c: &mut Cursor, text: &str) -> Vec<Clause> {
    if c.eat_kw("COLUMN") {
        c.skip_if_not_exists();
        return added_columns(src, c, text);
    }
    let has_constraint = c.eat_kw("CONSTRAINT");
    let symbol = if has_constraint {
        c.skip_if_not_exists();
        constraint_symbol(c)
    } else {
        None
    };
    let clause = if c.eat_kws(&["PRIMARY", "KEY"]) {
        added_key(src, c, Clause::new(Operation::AddPrimaryKey, text))
    } else if c.eat_kw("UNIQUE") {
        c.eat_any_kw(&["INDEX", "KEY"]);
        let mut clause = Clause::new(Operation::AddIndex, text);
        clause.unique = true;
        added_key(src, c, clause)
    } else if c.eat_any_kw(&["FULLTEXT", "SPATIAL"]) {
        c.eat_any_kw(&["INDEX", "KEY"]);
        added_key(src, c, Clause::new(Operation::AddIndex, text))
    } else if c.eat_any_kw(&["INDEX", "KEY"]) {
        added_key(src, c, Clause::new(Operation::AddIndex, text))
    } else if c.eat_kws(&["FOREIGN", "KEY"]) {
        added_foreign_key(src, c, Clause::new(Operation::AddForeignKey, text))
    } else if c.eat_kw("CHECK") {
        Clause::new(Operation::TableOptions, text)
    } else if has_constraint || c.peek_any_kw(&["PERIOD", "SYSTEM"]) {
        Clause::new(Operation::Unknown, text)
    } else {
        c.skip_if_not_exists();
        return added_columns(src, c, text);
    };
    let mut clause = clause;
    if clause.index_name.is_none() {
        clause.index_name = symbol;
    }
    vec![clause]
}

/// `CONSTRAINT [symbol]`: the symbol is optional, so a keyword right after is not one.
fn constraint_symbol(c: &mut Cursor) -> Option<String> {
    let keywords = [
        "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "INDEX", "KEY", "FULLTEXT", "SPATIAL",
    ];
    if c.peek_any_kw(&keywords) {
        None
    } else {
        c.name()
    }
}

fn added_columns(src: &str, c: &mut Cursor, text: &str) -> Vec<Clause> {
    let Some(list) = c.parenthesised() else {
        return vec![column_clause(Operation::AddColumn, c, text)];
    };
    split_top_level_commas(list)
        .into_iter()
        .filter_map(|range| list.get(range))
        .filter(|def| !def.is_empty())
        .map(|def| {
            let mut def_cursor = Cursor::new(def);
            column_clause(Operation::AddColumn, &mut def_cursor, span_text(src, def))
        })
        .collect()
}

/// `name type attributes...` for ADD / MODIFY (and CREATE TABLE's column list).
pub(crate) fn column_clause(operation: Operation, c: &mut Cursor, text: &str) -> Clause {
    let mut clause = Clause::new(operation, text);
    clause.column = c.name();
    if clause.column.is_none() {
        clause.operation = Operation::Unknown;
        return clause;
    }
    read_column_definition(c, &mut clause);
    clause
}

/// `[name] [USING x] (key parts)` after INDEX / KEY / UNIQUE / PRIMARY KEY.
fn added_key(src: &str, c: &mut Cursor, mut clause: Clause) -> Clause {
    c.skip_if_not_exists();
    if !c.peek_punct('(') && !c.peek_kw("USING") {
        clause.index_name = c.name();
    }
    if c.eat_kw("USING") {
        c.advance();
    }
    if let Some(inner) = c.parenthesised() {
        clause.index_columns = key_part_names(src, inner);
    }
    clause
}

fn added_foreign_key(src: &str, c: &mut Cursor, clause: Clause) -> Clause {
    let mut clause = added_key(src, c, clause);
    if c.eat_kw("REFERENCES") {
        clause.references = c.qualified_name();
    }
    clause
}

fn drop_command(c: &mut Cursor, text: &str) -> Clause {
    if c.eat_kws(&["PRIMARY", "KEY"]) {
        return Clause::new(Operation::DropPrimaryKey, text);
    }
    let named_drop = if c.eat_any_kw(&["INDEX", "KEY"]) {
        Some(Operation::DropIndex)
    } else if c.eat_kws(&["FOREIGN", "KEY"]) || c.eat_kw("CONSTRAINT") {
        Some(Operation::DropForeignKey)
    } else if c.eat_kw("CHECK") {
        Some(Operation::TableOptions)
    } else {
        None
    };
    if let Some(operation) = named_drop {
        c.skip_if_exists();
        let mut clause = Clause::new(operation, text);
        clause.index_name = c.name();
        return clause;
    }
    if c.peek_any_kw(&["PERIOD", "SYSTEM"]) {
        return Clause::new(Operation::Unknown, text);
    }
    c.eat_kw("COLUMN");
    c.skip_if_exists();
    let mut clause = Clause::new(Operation::DropColumn, text);
    clause.column = c.name();
    if clause.column.is_none() {
        clause.operation = Operation::Unknown;
    }
    clause
}

fn modify_command(c: &mut Cursor, text: &str) -> Clause {
    c.eat_kw("COLUMN");
    c.skip_if_exists();
    column_clause(Operation::ModifyColumn, c, text)
}

/// `CHANGE old new type...`: a rename when the names differ, else a plain MODIFY.
fn change_command(c: &mut Cursor, text: &str) -> Clause {
    c.eat_kw("COLUMN");
    c.skip_if_exists();
    let mut clause = Clause::new(Operation::ModifyColumn, text);
    let (Some(old), Some(new)) = (c.name(), c.name()) else {
        clause.operation = Operation::Unknown;
        return clause;
    };
    if old != new {
        clause.operation = Operation::RenameColumn;
        clause.new_name = Some(new);
    }
    clause.column = Some(old);
    read_column_definition(c, &mut clause);
    clause
}

fn alter_command(c: &mut Cursor, text: &str) -> Clause {
    if c.eat_any_kw(&["INDEX", "KEY"]) {
        let mut clause = Clause::new(Operation::TableOptions, text);
        clause.index_name = c.name();
        return clause;
    }
    if c.eat_any_kw(&["CHECK", "CONSTRAINT"]) {
        return Clause::new(Operation::TableOptions, text);
    }
    c.eat_kw("COLUMN");
    c.skip_if_exists();
    let column = c.name();
    let mut clause = if c.eat_kws(&["SET", "DEFAULT"]) {
        let mut clause = Clause::new(Operation::ChangeDefault, text);
        clause.has_default = true;
        clause
    } else if c.eat_kws(&["DROP", "DEFAULT"]) {
        Clause::new(Operation::ChangeDefault, text)
    } else if c.eat_kw("SET") && c.peek_any_kw(&["VISIBLE", "INVISIBLE"]) {
        Clause::new(Operation::TableOptions, text)
    } else {
        Clause::new(Operation::Unknown, text)
    };
    clause.column = column;
    clause
}

fn rename_command(c: &mut Cursor, text: &str) -> Clause {
    let (operation, old) = if c.eat_kw("COLUMN") {
        (Operation::RenameColumn, c.name())
    } else if c.eat_any_kw(&["INDEX", "KEY"]) {
        (Operation::RenameIndex, c.name())
    } else {
        c.eat_any_kw(&["TO", "AS"]);
        let mut clause = Clause::new(Operation::RenameTable, text);
        clause.new_name = c.qualified_name();
        return clause;
    };
    let mut clause = Clause::new(operation, text);
    if !c.eat_kw("TO") {
        clause.operation = Operation::Unknown;
        return clause;
    }
    clause.new_name = c.name();
    if operation == Operation::RenameColumn {
        clause.column = old;
    } else {
        clause.index_name = old;
    }
    clause
}

fn convert_command(c: &mut Cursor, text: &str) -> Clause {
    let mut clause = Clause::new(Operation::ConvertCharset, text);
    if c.eat_kws(&["CHARACTER", "SET"]) || c.eat_kw("CHARSET") {
        clause.charset = c.option_value().map(str::to_lowercase);
    } else {
        clause.operation = Operation::Unknown;
    }
    clause
}

fn table_options(toks: &[Token], text: &str) -> Clause {
    let mut clause = Clause::new(Operation::TableOptions, text);
    clause.charset = charset_in(toks);
    clause
}

/// `CHARACTER SET [=] x` or `CHARSET [=] x` outside parentheses.
pub(crate) fn charset_in(toks: &[Token]) -> Option<String> {
    let (at, _) = top_level(toks).find(|(_, t)| t.is_any_kw(&["CHARACTER", "CHARSET"]))?;
    let mut c = Cursor::new(toks.get(at..)?);
    if !c.eat_kws(&["CHARACTER", "SET"]) && !c.eat_kw("CHARSET") {
        return None;
    }
    c.option_value().map(str::to_lowercase)
}

/// Words that end a column's type and start its attributes.
const COLUMN_ATTRIBUTES: &[&str] = &[
    "AFTER",
    "AS",
    "AUTO_INCREMENT",
    "CHARSET",
    "CHECK",
    "COLLATE",
    "COLUMN_FORMAT",
    "COMMENT",
    "COMPRESSED",
    "CONSTRAINT",
    "DEFAULT",
    "ENGINE_ATTRIBUTE",
    "FIRST",
    "GENERATED",
    "INVISIBLE",
    "KEY",
    "NOT",
    "NULL",
    "ON",
    "PERSISTENT",
    "PRIMARY",
    "REF_SYSTEM_ID",
    "REFERENCES",
    "SECONDARY_ENGINE_ATTRIBUTE",
    "SRID",
    "STORAGE",
    "STORED",
    "UNIQUE",
    "VIRTUAL",
    "VISIBLE",
    "WITH",
    "WITHOUT",
];

/// Reads `type attributes...` from the cursor into the clause.
fn read_column_definition(c: &mut Cursor, clause: &mut Clause) {
    let rest = c.rest();
    let type_len = column_type_len(rest);
    let (type_tokens, attributes) = rest.split_at(type_len);
    if !type_tokens.is_empty() {
        clause.column_type = Some(normalized_text(type_tokens));
    }
    read_column_attributes(attributes, clause);
}

pub(super) fn column_type_len(toks: &[Token]) -> usize {
    let ends_type = |i: usize, t: &Token| {
        t.is_any_kw(COLUMN_ATTRIBUTES)
            || (t.is_kw("CHARACTER") && toks.get(i + 1).is_some_and(|n| n.is_kw("SET")))
    };
    top_level(toks)
        .find(|(i, t)| t.kind == TokenKind::Executable || ends_type(*i, t))
        .map_or(toks.len(), |(i, _)| i)
}

fn read_column_attributes(toks: &[Token], clause: &mut Clause) {
    let top: Vec<(usize, &Token)> = top_level(toks).collect();
    for (k, (i, t)) in top.iter().enumerate() {
        let previous = k.checked_sub(1).and_then(|p| top.get(p)).map(|(_, p)| *p);
        let next = top.get(k + 1).map(|(_, n)| *n);
        let after = |kw: &str| previous.is_some_and(|p| p.is_kw(kw));
        if t.is_kw("NULL") && !after("DEFAULT") && !after("SET") {
            clause.nullable = Some(!after("NOT"));
        } else if t.is_kw("DEFAULT") && !after("SET") {
            clause.has_default = true;
        } else if t.is_kw("FIRST") {
            clause.position = Some("FIRST".to_string());
        } else if t.is_kw("AFTER") {
            clause.position = next.and_then(Token::name).map(|col| format!("AFTER {col}"));
        } else if clause.charset.is_none() && t.is_any_kw(&["CHARACTER", "CHARSET"]) {
            clause.charset = charset_in(toks.get(*i..).unwrap_or(&[]));
        } else if t.is_kw("UNIQUE") {
            clause.inline_key = Some(InlineKey::Unique);
        } else if t.is_kw("KEY") && clause.inline_key.is_none() {
            // After PRIMARY, or alone: in a column definition `KEY` is the primary key.
            clause.inline_key = Some(InlineKey::Primary);
        }
    }
}

#[cfg(test)]
#[path = "alter_tests.rs"]
mod tests;
