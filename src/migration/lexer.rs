//! Hand-written lexer for MySQL/MariaDB migration scripts: tokens with byte offsets and
//! line numbers, and the split of a script into statements on top-level `;`, or on the
//! delimiter a `DELIMITER` line sets, as the mysql client does for dumps with routines.
//! Comments are skipped, except executable `/*! ... */` comments, which stay as text.

use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// Keyword or unquoted identifier.
    Word,
    Number,
    /// `backquoted` identifier.
    QuotedIdent,
    /// "double quoted": a string by default, an identifier under ANSI_QUOTES.
    DoubleQuoted,
    /// 'single quoted' string.
    String,
    Punct,
    /// `/*! ... */` or `/*M! ... */`: the server runs it, so it is SQL, not a comment.
    Executable,
    /// The delimiter a `DELIMITER` line set (not `;`): ends a statement.
    Delimiter,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Token<'a> {
    pub kind: TokenKind,
    pub text: &'a str,
    pub start: usize,
    pub line: usize,
}

impl Token<'_> {
    pub fn end(&self) -> usize {
        self.start + self.text.len()
    }

    pub fn is_kw(&self, keyword: &str) -> bool {
        self.kind == TokenKind::Word && self.text.eq_ignore_ascii_case(keyword)
    }

    pub fn is_any_kw(&self, keywords: &[&str]) -> bool {
        keywords.iter().any(|kw| self.is_kw(kw))
    }

    pub fn is_punct(&self, punct: char) -> bool {
        self.kind == TokenKind::Punct && self.text.chars().eq(std::iter::once(punct))
    }

    /// The identifier this token names, unquoted; None for strings, numbers and punctuation.
    pub fn name(&self) -> Option<String> {
        match self.kind {
            TokenKind::Word => Some(self.text.to_string()),
            TokenKind::QuotedIdent => Some(unquote(self.text, '`')),
            TokenKind::DoubleQuoted => Some(unquote(self.text, '"')),
            _ => None,
        }
    }
}

fn unquote(text: &str, quote: char) -> String {
    let inner = text
        .strip_prefix(quote)
        .and_then(|t| t.strip_suffix(quote))
        .unwrap_or(text);
    let doubled: String = [quote, quote].iter().collect();
    inner.replace(&doubled, &quote.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub(crate) enum LexError {
    #[error("unterminated string starting here")]
    UnterminatedString { line: usize },
    #[error("unterminated quoted identifier starting here")]
    UnterminatedIdentifier { line: usize },
    #[error("unterminated comment starting here")]
    UnterminatedComment { line: usize },
    #[error("DELIMITER without a delimiter after it")]
    Delimiter { line: usize },
}

impl LexError {
    pub fn line(&self) -> usize {
        match *self {
            LexError::UnterminatedString { line }
            | LexError::UnterminatedIdentifier { line }
            | LexError::UnterminatedComment { line }
            | LexError::Delimiter { line } => line,
        }
    }
}

/// Splits a script into statements (each a non-empty token list), on `;` outside
/// strings and comments. A `DELIMITER xx` line where a statement would start is the mysql
/// client's command, not SQL: statements end at `xx` from there on (`;` inside a routine's
/// body then stays in the statement), until `DELIMITER ;`.
pub(crate) fn split_statements(src: &str) -> Result<Vec<Vec<Token<'_>>>, LexError> {
    let mut statements = Vec::new();
    let mut current = Vec::new();
    let mut lexer = Lexer::new(src);
    while let Some(token) = lexer.next() {
        let token = token?;
        let ends = token.kind == TokenKind::Delimiter
            || (lexer.delimiter.is_none() && token.is_punct(';'));
        if ends {
            if !current.is_empty() {
                statements.push(std::mem::take(&mut current));
            }
            continue;
        }
        if current.is_empty() && token.is_kw("DELIMITER") {
            lexer.read_delimiter(token.line)?;
            continue;
        }
        current.push(token);
    }
    if !current.is_empty() {
        statements.push(current);
    }
    Ok(statements)
}

pub(crate) fn tokenize(src: &str) -> Result<Vec<Token<'_>>, LexError> {
    Lexer::new(src).collect()
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    /// The statement delimiter a DELIMITER line set; None while it is `;`.
    delimiter: Option<String>,
}

/// Every non-ASCII byte counts as a word byte, so token boundaries always fall on ASCII
/// bytes and slicing the source there is always valid UTF-8.
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || !b.is_ascii()
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Lexer {
            src,
            bytes: src.as_bytes(),
            pos: 0,
            line: 1,
            delimiter: None,
        }
    }

    /// True when the custom delimiter starts at byte `at`. A match of a whole UTF-8
    /// string starts and ends on character boundaries, so slicing there stays valid.
    fn delimiter_at(&self, at: usize) -> bool {
        self.delimiter.as_ref().is_some_and(|d| {
            self.bytes
                .get(at..)
                .is_some_and(|rest| rest.starts_with(d.as_bytes()))
        })
    }

    /// The rest of a `DELIMITER` line: its first word (quotes removed) is the new
    /// delimiter, as the mysql client reads it; `;` goes back to the default.
    fn read_delimiter(&mut self, line: usize) -> Result<(), LexError> {
        let rest = self.bytes.get(self.pos..).unwrap_or(&[]);
        let len = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let text = self.src.get(self.pos..self.pos + len).unwrap_or("");
        self.advance_to(self.pos + len);
        let word = text.split_whitespace().next().unwrap_or("");
        let unquoted = ['\'', '"', '`']
            .iter()
            .find_map(|&q| word.strip_prefix(q).and_then(|w| w.strip_suffix(q)))
            .unwrap_or(word);
        if unquoted.is_empty() {
            return Err(LexError::Delimiter { line });
        }
        self.delimiter = (unquoted != ";").then(|| unquoted.to_string());
        Ok(())
    }

    fn byte_at(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.pos + offset).copied()
    }

    fn advance_to(&mut self, new_pos: usize) {
        let end = new_pos.min(self.bytes.len());
        let passed = self.bytes.get(self.pos..end).unwrap_or(&[]);
        self.line += passed.iter().filter(|&&b| b == b'\n').count();
        self.pos = end;
    }

    fn token(&mut self, kind: TokenKind, end: usize) -> Token<'a> {
        let start = self.pos;
        let line = self.line;
        let text = self.src.get(start..end).unwrap_or("");
        self.advance_to(end);
        Token {
            kind,
            text,
            start,
            line,
        }
    }

    fn skip_whitespace(&mut self) {
        let mut end = self.pos;
        while self.bytes.get(end).is_some_and(u8::is_ascii_whitespace) {
            end += 1;
        }
        self.advance_to(end);
    }

    /// MySQL needs whitespace (or a control character) after `--`; `a--b` is arithmetic.
    fn at_dash_comment(&self) -> bool {
        self.byte_at(0) == Some(b'-')
            && self.byte_at(1) == Some(b'-')
            && !matches!(self.byte_at(2), Some(b) if b > b' ')
    }

    fn skip_line_comment(&mut self) {
        let rest = self.bytes.get(self.pos..).unwrap_or(&[]);
        let len = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        self.advance_to(self.pos + len);
    }

    fn at_executable_comment(&self) -> bool {
        self.byte_at(2) == Some(b'!')
            || (self.byte_at(2) == Some(b'M') && self.byte_at(3) == Some(b'!'))
    }

    /// End offset (after `*/`) of the block comment starting at the current position.
    fn block_comment_end(&self) -> Result<usize, LexError> {
        let body_start = self.pos + 2;
        self.src
            .get(body_start..)
            .and_then(|rest| rest.find("*/"))
            .map(|found| body_start + found + 2)
            .ok_or(LexError::UnterminatedComment { line: self.line })
    }

    /// End offset (after the closing quote) of the quoted text starting at the current position.
    fn quoted_end(&self, quote: u8) -> Result<usize, LexError> {
        let backslash_escapes = quote != b'`';
        let mut i = self.pos + 1;
        loop {
            match self.bytes.get(i) {
                None => return Err(self.unterminated(quote)),
                Some(b'\\') if backslash_escapes => i += 2,
                Some(&b) if b == quote => {
                    if self.bytes.get(i + 1) == Some(&quote) {
                        i += 2;
                    } else {
                        return Ok(i + 1);
                    }
                }
                Some(_) => i += 1,
            }
        }
    }

    fn unterminated(&self, quote: u8) -> LexError {
        if quote == b'`' {
            LexError::UnterminatedIdentifier { line: self.line }
        } else {
            LexError::UnterminatedString { line: self.line }
        }
    }

    fn word(&mut self) -> Token<'a> {
        let mut end = self.pos;
        // `END$$` is a word and a `$$` delimiter.
        while self.bytes.get(end).is_some_and(|&b| is_word_byte(b)) && !self.delimiter_at(end) {
            end += 1;
        }
        let run = self.bytes.get(self.pos..end).unwrap_or(&[]);
        let kind = if run.iter().all(u8::is_ascii_digit) {
            TokenKind::Number
        } else {
            TokenKind::Word
        };
        self.token(kind, end)
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Result<Token<'a>, LexError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.skip_whitespace();
            let first = self.byte_at(0)?;
            if self.delimiter_at(self.pos) {
                let len = self.delimiter.as_ref().map_or(1, String::len);
                return Some(Ok(self.token(TokenKind::Delimiter, self.pos + len)));
            }
            let quoted_kind = match first {
                b'\'' => Some(TokenKind::String),
                b'"' => Some(TokenKind::DoubleQuoted),
                b'`' => Some(TokenKind::QuotedIdent),
                _ => None,
            };
            if let Some(kind) = quoted_kind {
                return Some(self.quoted_end(first).map(|end| self.token(kind, end)));
            }
            if first == b'#' || self.at_dash_comment() {
                self.skip_line_comment();
                continue;
            }
            if first == b'/' && self.byte_at(1) == Some(b'*') {
                let end = match self.block_comment_end() {
                    Ok(end) => end,
                    Err(err) => return Some(Err(err)),
                };
                if self.at_executable_comment() {
                    return Some(Ok(self.token(TokenKind::Executable, end)));
                }
                self.advance_to(end);
                continue;
            }
            if is_word_byte(first) {
                return Some(Ok(self.word()));
            }
            return Some(Ok(self.token(TokenKind::Punct, self.pos + 1)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str) -> Vec<&str> {
        tokenize(src)
            .expect("lexes")
            .iter()
            .map(|t| t.text)
            .collect()
    }

    fn statement_texts(src: &str) -> Vec<String> {
        split_statements(src)
            .expect("splits")
            .iter()
            .map(|toks| toks.iter().map(|t| t.text).collect::<Vec<_>>().join(" "))
            .collect()
    }

    #[test]
    fn tokens_carry_kinds_offsets_and_lines() {
        let toks = tokenize("ALTER TABLE `a``b`\n  ADD 'it''s', \"x\" 42").expect("lexes");
        let kinds: Vec<TokenKind> = toks.iter().map(|t| t.kind).collect();
        use TokenKind::*;
        assert_eq!(
            kinds,
            vec![
                Word,
                Word,
                QuotedIdent,
                Word,
                String,
                Punct,
                DoubleQuoted,
                Number
            ]
        );
        assert_eq!(toks[2].name().as_deref(), Some("a`b"));
        assert_eq!(toks[3].line, 2);
        assert_eq!(toks[3].start, 21);
        assert_eq!(toks[4].text, "'it''s'");
    }

    #[test]
    fn comments_are_skipped() {
        assert_eq!(
            texts("a -- c1 ; x\nb # c2 ;\nc /* c3 ; */ d --\ne"),
            vec!["a", "b", "c", "d", "e"]
        );
    }

    #[test]
    fn double_dash_without_space_is_not_a_comment() {
        assert_eq!(texts("1--2"), vec!["1", "-", "-", "2"]);
    }

    #[test]
    fn executable_comment_is_one_token() {
        let toks = tokenize("/*!40101 SET x=1; */ y").expect("lexes");
        assert_eq!(toks[0].kind, TokenKind::Executable);
        assert_eq!(toks[0].text, "/*!40101 SET x=1; */");
        assert_eq!(toks[1].text, "y");
    }

    #[test]
    fn backslash_escapes_in_strings() {
        assert_eq!(texts(r"'a\'b;' c"), vec![r"'a\'b;'", "c"]);
    }

    #[test]
    fn non_ascii_identifiers_are_words() {
        let toks = tokenize("ALTER TABLE café ADD").expect("lexes");
        assert_eq!(toks[2].text, "café");
        assert_eq!(toks[2].kind, TokenKind::Word);
    }

    #[test]
    fn semicolons_inside_strings_and_comments_do_not_split() {
        let parts = statement_texts("SELECT 'a;b'; -- x;y\nSELECT `c;d` /* ; */;;\n SELECT \"e;\"");
        assert_eq!(parts, vec!["SELECT 'a;b'", "SELECT `c;d`", "SELECT \"e;\""]);
    }

    #[test]
    fn unterminated_tokens_report_their_first_line() {
        assert_eq!(
            tokenize("a;\nb 'xx\n\n").unwrap_err(),
            LexError::UnterminatedString { line: 2 }
        );
        assert_eq!(
            tokenize("\n\n/* open").unwrap_err(),
            LexError::UnterminatedComment { line: 3 }
        );
        assert_eq!(
            tokenize("`x").unwrap_err(),
            LexError::UnterminatedIdentifier { line: 1 }
        );
    }

    #[test]
    fn delimiter_lines_set_where_statements_end() {
        let script =
            "SELECT 1;\nDELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 'a$$b'; SELECT 2; END$$\n\
                      delimiter ;;\nSELECT 3;;\nDELIMITER ;\nSELECT 4; SELECT 5";
        assert_eq!(
            statement_texts(script),
            vec![
                "SELECT 1",
                "CREATE PROCEDURE p ( ) BEGIN SELECT 'a$$b' ; SELECT 2 ; END",
                "SELECT 3",
                "SELECT 4",
                "SELECT 5"
            ]
        );
        let lines: Vec<usize> = split_statements(script)
            .expect("splits")
            .iter()
            .map(|toks| toks[0].line)
            .collect();
        assert_eq!(lines, vec![1, 3, 5, 7, 7]);
        assert_eq!(
            split_statements("SELECT 1;\nDELIMITER   \nSELECT 2").unwrap_err(),
            LexError::Delimiter { line: 2 }
        );
        // A quoted delimiter, and one that is not ASCII.
        assert_eq!(
            statement_texts(
                "DELIMITER '//'\nSELECT 1; SELECT 2 //\nDELIMITER §\nSELECT é§SELECT 3§"
            ),
            vec!["SELECT 1 ; SELECT 2", "SELECT é", "SELECT 3"]
        );
    }
}
