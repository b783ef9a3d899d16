//! Refuses SQL text that DataFusion's parser would take exponential time on, before it is parsed.
//!
//! sqlparser 0.62 (the version DataFusion 55 pins) re-parses the rest of a dotted name at every
//! `.` inside a rollback point, so a name that ends in a syntax error costs time doubling with
//! each part: 20 parts took 0.7 s here, 22 parts 2.8 s, 30 parts would take minutes (a 152-byte
//! query found by Ember's SQL fuzzer). Upstream fixed it after that release
//! (apache/datafusion-sqlparser-rs#2344, #2350, #2352); until DataFusion ships that parser, every
//! place where Ember hands user text to the parser checks it here first.
//!
//! Invariant: the check is linear in the text (one pass of sqlparser's own tokenizer) and rejects
//! only dotted chains longer than [`MAX_NAME_PARTS`], which no schema reaches; text the tokenizer
//! rejects passes through, so that DataFusion reports its own positioned error.

use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};

use crate::error::{Error, Result};

/// The most parts a dotted name (`catalog.schema.table.column.field...`) may have. Checking a
/// failing name of this length costs about 0.05 s.
pub const MAX_NAME_PARTS: usize = 16;

/// Checks `sql` (a statement, a script or an expression) for dotted names longer than
/// [`MAX_NAME_PARTS`]; the error gives the line and column where the name starts.
///
/// A chain is a run of tokens in which each token is a `.`, a bracket, or follows a `.` or `[`:
/// `a.b[1].c` is one chain of three parts; `a.b AND c.d` two chains.
pub fn check(sql: &str) -> Result<()> {
    let Ok(tokens) = Tokenizer::new(&GenericDialect {}, sql).tokenize_with_location() else {
        return Ok(());
    };
    let mut prev: Option<&Token> = None;
    let mut dots = 0usize;
    let mut start = (1u64, 1u64);
    for t in tokens.iter().filter(|t| !matches!(t.token, Token::Whitespace(_))) {
        let continues = matches!(t.token, Token::Period | Token::LBracket | Token::RBracket)
            || matches!(prev, Some(Token::Period | Token::LBracket));
        if !continues {
            dots = 0;
            start = (t.span.start.line, t.span.start.column);
        }
        if t.token == Token::Period {
            dots += 1;
            if dots >= MAX_NAME_PARTS {
                let text = sql.lines().nth(start.0.saturating_sub(1) as usize).unwrap_or("");
                let shown: String = text.chars().skip(start.1.saturating_sub(1) as usize).take(24).collect();
                return Err(Error::Sql {
                    line: start.0,
                    column: start.1,
                    message: format!(
                        "the dotted name starting `{shown}...` has more than {MAX_NAME_PARTS} parts; \
                         names may have at most {MAX_NAME_PARTS} (the SQL parser's time doubles with each part)"
                    ),
                });
            }
        }
        prev = Some(&t.token);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(parts: usize) -> String {
        vec!["ab"; parts].join(".")
    }

    #[test]
    fn names_up_to_the_limit_pass() {
        check(&format!("SELECT {} FROM t", chain(MAX_NAME_PARTS))).unwrap();
        check("SELECT a.b[1].c, s.t.u.v FROM cat.sch.tab WHERE x.y = 1.5 AND p.q").unwrap();
        // Many short names in one statement are not one long name.
        let many = (0..100).map(|i| format!("t{i}.c")).collect::<Vec<_>>().join(", ");
        check(&format!("SELECT {many} FROM t")).unwrap();
        let joined = (0..40).map(|i| format!("t.c{i}")).collect::<Vec<_>>().join(" AND ");
        check(&format!("SELECT * FROM t WHERE {joined}")).unwrap();
        // Unterminated text is left to DataFusion's own error.
        check("SELECT 'abc").unwrap();
    }

    #[test]
    fn a_longer_name_is_refused_where_it_starts() {
        let e = check(&format!("SELECT 1,\n  {}[.x", chain(MAX_NAME_PARTS + 1))).unwrap_err();
        match e {
            Error::Sql { line, column, message } => {
                assert_eq!((line, column), (2, 3), "{message}");
                assert!(message.contains("`ab.ab.ab"), "{message}");
                assert!(message.contains("at most 16"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        // Brackets inside the chain do not end it.
        let bracketed = vec!["ab[1]"; MAX_NAME_PARTS + 1].join(".");
        assert!(check(&format!("SELECT {bracketed}")).is_err());
    }
}
