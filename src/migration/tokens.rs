//! Helpers for reading a statement's tokens: a cursor for keyword-by-keyword parsing,
//! parenthesis depth, top-level comma splitting, and the ALGORITHM=/LOCK= options.

use std::ops::Range;

use super::lexer::{Token, TokenKind};

pub(crate) struct Cursor<'t, 'a> {
    toks: &'t [Token<'a>],
    pos: usize,
}

impl<'t, 'a> Cursor<'t, 'a> {
    pub fn new(toks: &'t [Token<'a>]) -> Self {
        Cursor { toks, pos: 0 }
    }

    pub fn peek(&self) -> Option<&'t Token<'a>> {
        self.toks.get(self.pos)
    }

    pub fn peek_at(&self, ahead: usize) -> Option<&'t Token<'a>> {
        self.toks.get(self.pos + ahead)
    }

    pub fn rest(&self) -> &'t [Token<'a>] {
        self.toks.get(self.pos..).unwrap_or(&[])
    }

    pub fn advance(&mut self) -> Option<&'t Token<'a>> {
        let token = self.peek()?;
        self.pos += 1;
        Some(token)
    }

    pub fn peek_kw(&self, keyword: &str) -> bool {
        self.peek().is_some_and(|t| t.is_kw(keyword))
    }

    pub fn peek_any_kw(&self, keywords: &[&str]) -> bool {
        self.peek().is_some_and(|t| t.is_any_kw(keywords))
    }

    pub fn peek_punct(&self, punct: char) -> bool {
        self.peek().is_some_and(|t| t.is_punct(punct))
    }

    pub fn eat_kw(&mut self, keyword: &str) -> bool {
        let found = self.peek_kw(keyword);
        if found {
            self.pos += 1;
        }
        found
    }

    pub fn eat_any_kw(&mut self, keywords: &[&str]) -> bool {
        let found = self.peek_any_kw(keywords);
        if found {
            self.pos += 1;
        }
        found
    }

    /// Consumes the whole keyword sequence, or nothing.
    pub fn eat_kws(&mut self, keywords: &[&str]) -> bool {
        let all = keywords
            .iter()
            .enumerate()
            .all(|(i, kw)| self.peek_at(i).is_some_and(|t| t.is_kw(kw)));
        if all {
            self.pos += keywords.len();
        }
        all
    }

    pub fn eat_punct(&mut self, punct: char) -> bool {
        let found = self.peek_punct(punct);
        if found {
            self.pos += 1;
        }
        found
    }

    pub fn skip_if_exists(&mut self) {
        self.eat_kws(&["IF", "EXISTS"]);
    }

    pub fn skip_if_not_exists(&mut self) {
        self.eat_kws(&["IF", "NOT", "EXISTS"]);
    }

    /// `= value` or `value`, as in `ENGINE = InnoDB`; the value is returned as written.
    pub fn option_value(&mut self) -> Option<&'t str> {
        self.eat_punct('=');
        self.advance().map(|t| t.text)
    }

    pub fn name(&mut self) -> Option<String> {
        let name = self.peek()?.name()?;
        self.pos += 1;
        Some(name)
    }

    /// `db.t`, `` `db`.`t` `` or `t`: the last part, since the sandbox has one schema.
    pub fn qualified_name(&mut self) -> Option<String> {
        let mut name = self.name()?;
        while self.peek_punct('.') {
            match self.peek_at(1).and_then(Token::name) {
                Some(part) => {
                    name = part;
                    self.pos += 2;
                }
                None => break,
            }
        }
        Some(name)
    }

    /// Consumes a parenthesised group and returns the tokens inside it.
    pub fn parenthesised(&mut self) -> Option<&'t [Token<'a>]> {
        if !self.peek_punct('(') {
            return None;
        }
        let close = matching_paren(self.toks, self.pos)?;
        let inner = self.toks.get(self.pos + 1..close)?;
        self.pos = close + 1;
        Some(inner)
    }
}

fn matching_paren(toks: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate().skip(open) {
        if t.is_punct('(') {
            depth += 1;
        } else if t.is_punct(')') {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// Parenthesis depth of each token; a group's own `(` and `)` have the outer depth.
pub(crate) fn depths(toks: &[Token]) -> Vec<usize> {
    let mut depth = 0usize;
    toks.iter()
        .map(|t| {
            if t.is_punct('(') {
                depth += 1;
                depth - 1
            } else if t.is_punct(')') {
                depth = depth.saturating_sub(1);
                depth
            } else {
                depth
            }
        })
        .collect()
}

/// Tokens outside any parentheses, with their index.
pub(crate) fn top_level<'t, 'a>(
    toks: &'t [Token<'a>],
) -> impl Iterator<Item = (usize, &'t Token<'a>)> + 't {
    let depths = depths(toks);
    toks.iter()
        .enumerate()
        .filter(move |(i, _)| depths.get(*i) == Some(&0))
}

pub(crate) fn contains_top_level_kw(toks: &[Token], keywords: &[&str]) -> bool {
    top_level(toks).any(|(_, t)| t.is_any_kw(keywords))
}

/// Index ranges between commas outside parentheses (empty ranges included).
pub(crate) fn split_top_level_commas(toks: &[Token]) -> Vec<Range<usize>> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, t) in top_level(toks) {
        if t.is_punct(',') {
            parts.push(start..i);
            start = i + 1;
        }
    }
    parts.push(start..toks.len());
    parts
}

/// The source text from the first to the last token, exactly as written.
pub(crate) fn span_text<'a>(src: &'a str, toks: &[Token]) -> &'a str {
    match (toks.first(), toks.last()) {
        (Some(first), Some(last)) => src.get(first.start..last.end()).unwrap_or(""),
        _ => "",
    }
}

/// Tokens lowercased (strings kept), one space wherever the source had a gap.
pub(crate) fn normalized_text(toks: &[Token]) -> String {
    let mut out = String::new();
    let mut previous_end = None;
    for t in toks {
        if previous_end.is_some_and(|end| t.start > end) {
            out.push(' ');
        }
        if t.kind == TokenKind::String {
            out.push_str(t.text);
        } else {
            out.push_str(&t.text.to_lowercase());
        }
        previous_end = Some(t.end());
    }
    out
}

/// Names in an index's key list, without prefix lengths or ASC/DESC; a functional key
/// part is kept as its expression text.
pub(crate) fn key_part_names(src: &str, inner: &[Token]) -> Vec<String> {
    split_top_level_commas(inner)
        .into_iter()
        .filter_map(|range| inner.get(range))
        .filter_map(|part| {
            let first = part.first()?;
            if first.is_punct('(') {
                Some(span_text(src, part).to_string())
            } else {
                first.name()
            }
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OptionKind {
    Algorithm,
    Lock,
}

impl OptionKind {
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            OptionKind::Algorithm => "ALGORITHM",
            OptionKind::Lock => "LOCK",
        }
    }

    pub(crate) fn other(self) -> OptionKind {
        match self {
            OptionKind::Algorithm => OptionKind::Lock,
            OptionKind::Lock => OptionKind::Algorithm,
        }
    }

    fn from_token(token: &Token) -> Option<Self> {
        if token.is_kw("ALGORITHM") {
            Some(OptionKind::Algorithm)
        } else if token.is_kw("LOCK") {
            Some(OptionKind::Lock)
        } else {
            None
        }
    }

    /// Knowing the possible values tells `LOCK=NONE` apart from a column named `lock`.
    fn accepts(self, value: &str) -> bool {
        let values: &[&str] = match self {
            OptionKind::Algorithm => &["DEFAULT", "INSTANT", "INPLACE", "NOCOPY", "COPY"],
            OptionKind::Lock => &["DEFAULT", "NONE", "SHARED", "EXCLUSIVE"],
        };
        values.iter().any(|v| v.eq_ignore_ascii_case(value))
    }
}

/// An `ALGORITHM [=] x` or `LOCK [=] x` the user wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DdlOption {
    pub kind: OptionKind,
    /// Uppercased value.
    pub value: String,
    /// Token indices covered by the option.
    pub range: Range<usize>,
}

/// The ALGORITHM/LOCK options outside parentheses, in order.
pub(crate) fn find_options(toks: &[Token]) -> Vec<DdlOption> {
    let depths = depths(toks);
    let mut options = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match option_at(toks, i).filter(|_| depths.get(i) == Some(&0)) {
            Some(option) => {
                i = option.range.end;
                options.push(option);
            }
            None => i += 1,
        }
    }
    options
}

fn option_at(toks: &[Token], start: usize) -> Option<DdlOption> {
    let kind = OptionKind::from_token(toks.get(start)?)?;
    let mut value_at = start + 1;
    if toks.get(value_at)?.is_punct('=') {
        value_at += 1;
    }
    let value = toks.get(value_at)?;
    if value.kind != TokenKind::Word || !kind.accepts(value.text) {
        return None;
    }
    Some(DdlOption {
        kind,
        value: value.text.to_uppercase(),
        range: start..value_at + 1,
    })
}

/// The last value written for each option kind.
pub(crate) fn last_option(options: &[DdlOption], kind: OptionKind) -> Option<String> {
    options
        .iter()
        .rev()
        .find(|o| o.kind == kind)
        .map(|o| o.value.clone())
}

#[cfg(test)]
mod tests {
    use super::super::lexer::tokenize;
    use super::*;

    #[test]
    fn qualified_names_keep_the_last_part() {
        let toks = tokenize("`db`.`my t` x").expect("lexes");
        let mut c = Cursor::new(&toks);
        assert_eq!(c.qualified_name().as_deref(), Some("my t"));
        assert_eq!(c.name().as_deref(), Some("x"));
    }

    #[test]
    fn commas_inside_parentheses_do_not_split() {
        let toks = tokenize("ADD a decimal(10,2), ADD INDEX (a, b)").expect("lexes");
        let parts = split_top_level_commas(&toks);
        assert_eq!(parts.len(), 2);
        assert_eq!(
            span_text(
                "ADD a decimal(10,2), ADD INDEX (a, b)",
                &toks[parts[1].clone()]
            ),
            "ADD INDEX (a, b)"
        );
    }

    #[test]
    fn options_need_a_known_value() {
        let toks = tokenize("ADD lock int, ALGORITHM = inplace, LOCK=NONE").expect("lexes");
        let options = find_options(&toks);
        assert_eq!(options.len(), 2);
        assert_eq!(options[0].value, "INPLACE");
        assert_eq!(options[0].range, 4..7);
        assert_eq!(
            last_option(&options, OptionKind::Lock).as_deref(),
            Some("NONE")
        );
    }

    #[test]
    fn key_parts_drop_lengths_and_order() {
        let src = "`name`(20) DESC, b ASC, (lower(c))";
        let toks = tokenize(src).expect("lexes");
        assert_eq!(key_part_names(src, &toks), vec!["name", "b", "(lower(c))"]);
    }

    #[test]
    fn normalized_text_lowercases_but_keeps_strings() {
        let toks = tokenize("ENUM('A','B')  UNSIGNED").expect("lexes");
        assert_eq!(normalized_text(&toks), "enum('A','B') unsigned");
    }
}
