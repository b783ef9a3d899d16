//! Text widgets: the SQL editor (highlighting, line numbers, Ctrl+Enter to run) and a small
//! markdown renderer (headings, lists, bold, code).

use egui::text::LayoutJob;
use egui::{Color32, FontId, Key, Modifiers, RichText, TextFormat, Ui};

const KEYWORDS: &[&str] = &[
    "select",
    "from",
    "where",
    "group",
    "by",
    "order",
    "limit",
    "join",
    "left",
    "right",
    "full",
    "inner",
    "outer",
    "on",
    "using",
    "as",
    "and",
    "or",
    "not",
    "in",
    "is",
    "null",
    "with",
    "union",
    "all",
    "distinct",
    "having",
    "create",
    "view",
    "table",
    "replace",
    "insert",
    "into",
    "values",
    "case",
    "when",
    "then",
    "else",
    "end",
    "desc",
    "asc",
    "over",
    "partition",
    "cast",
    "between",
    "like",
    "explain",
    "analyze",
    "true",
    "false",
    "external",
    "stored",
    "location",
];

/// Highlights SQL: keywords, strings, numbers and comments.
pub fn highlight_sql(text: &str, dark: bool) -> LayoutJob {
    let font = FontId::monospace(13.0);
    let (plain, kw, string, num, comment) = if dark {
        (
            Color32::from_gray(220),
            Color32::from_rgb(120, 170, 255),
            Color32::from_rgb(200, 160, 90),
            Color32::from_rgb(150, 210, 150),
            Color32::GRAY,
        )
    } else {
        (
            Color32::from_gray(30),
            Color32::from_rgb(20, 70, 190),
            Color32::from_rgb(150, 80, 0),
            Color32::from_rgb(20, 120, 40),
            Color32::GRAY,
        )
    };
    let mut job = LayoutJob::default();
    let push = |job: &mut LayoutJob, s: &str, c: Color32| job.append(s, 0.0, TextFormat::simple(font.clone(), c));
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let c = b[i] as char;
        if c == '-' && b.get(i + 1) == Some(&b'-') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            push(&mut job, &text[start..i], comment);
        } else if c == '\'' || c == '"' {
            i += 1;
            while i < b.len() && b[i] as char != c {
                i += 1;
            }
            i = (i + 1).min(b.len());
            push(&mut job, &text[start..i], string);
        } else if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            push(&mut job, &text[start..i], num);
        } else if c.is_ascii_alphabetic() || c == '_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let w = &text[start..i];
            push(&mut job, w, if KEYWORDS.contains(&w.to_ascii_lowercase().as_str()) { kw } else { plain });
        } else {
            // Advance one whole character (UTF-8 safe).
            i += text[i..].chars().next().map_or(1, char::len_utf8);
            push(&mut job, &text[start..i], plain);
        }
    }
    job
}

/// A SQL editor with line numbers, the last run's error position marked, and completion of
/// `names()` (called only while the editor has the focus: tables, their columns, graph functions) for the word before the cursor: the matches
/// are listed under the editor, Tab takes the first, a click takes any. Returns true when
/// Ctrl+Enter was pressed in it.
pub fn sql_editor(
    ui: &mut Ui,
    cell: u64,
    sql: &mut String,
    label: egui::Id,
    error_at: Option<(u64, u64)>,
    names: &dyn Fn() -> Vec<String>,
) -> bool {
    let id = egui::Id::new(("sql", cell));
    let focused = ui.memory(|m| m.has_focus(id));
    let run = focused && ui.input_mut(|i| i.consume_key(Modifiers::COMMAND, Key::Enter));
    // Completion for the word before the cursor (as it was after the last frame's edits).
    let cursor = egui::TextEdit::load_state(ui.ctx(), id)
        .and_then(|st| st.cursor.char_range())
        .filter(|r| r.primary.index == r.secondary.index)
        .map(|r| r.primary.index.0);
    let offered = match (focused, cursor) {
        (true, Some(at)) => completions(sql, at, &names()),
        _ => None,
    };
    let mut take: Option<usize> = None;
    if offered.is_some() && ui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Tab)) {
        take = Some(0);
    }
    let dark = ui.visuals().dark_mode;
    let error_color = ui.visuals().error_fg_color;
    let mut layouter = |ui: &Ui, buf: &dyn egui::TextBuffer, wrap: f32| {
        let mut job = highlight_sql(buf.as_str(), dark);
        if let Some(range) = error_at.and_then(|(l, c)| error_range(buf.as_str(), l, c)) {
            underline(&mut job, range, error_color);
        }
        job.wrap.max_width = wrap;
        ui.ctx().fonts_mut(|f| f.layout_job(job))
    };
    ui.horizontal_top(|ui| {
        let lines = sql.lines().count().max(1) + usize::from(sql.ends_with('\n'));
        // The last run's error line is marked in the gutter too (and its token underlined).
        let numbers: String = (1..=lines.max(3))
            .map(|n| {
                if error_at.is_some_and(|(l, _)| l == n as u64) { format!("▶{n:>2}\n") } else { format!("{n:>3}\n") }
            })
            .collect();
        ui.label(RichText::new(numbers.trim_end()).monospace().size(13.0).weak());
        let response = ui.add(
            egui::TextEdit::multiline(sql)
                .id(id)
                .code_editor()
                .desired_rows(3)
                .desired_width(f32::INFINITY)
                .hint_text("SELECT ... (Ctrl+Enter runs)")
                .layouter(&mut layouter),
        );
        response.labelled_by(label);
    });
    if let Some((_, found)) = &offered {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("Tab:").weak().small());
            for (i, name) in found.iter().enumerate() {
                if ui.small_button(name).on_hover_text("complete with this name").clicked() {
                    take = Some(i);
                }
            }
        });
    }
    if let (Some(i), Some((start, found)), Some(at)) = (take, &offered, cursor) {
        // Character offsets to byte offsets of the word being completed.
        let byte = |c: usize| sql.char_indices().nth(c).map_or(sql.len(), |(b, _)| b);
        let (from, to) = (byte(*start), byte(at));
        sql.replace_range(from..to, &found[i]);
        let end = start + found[i].chars().count();
        if let Some(mut st) = egui::TextEdit::load_state(ui.ctx(), id) {
            let c = egui::text::CCursor::new(end);
            st.cursor.set_char_range(Some(egui::text_selection::CCursorRange::one(c)));
            st.store(ui.ctx(), id);
        }
        ui.memory_mut(|m| m.request_focus(id));
    }
    run
}

/// The completions of the identifier that ends at character `cursor` of `text`: its start (a
/// character offset) and up to 8 of `names` that begin with it (case-insensitive), shortest
/// first; none when the word is empty or already a whole name.
pub fn completions(text: &str, cursor: usize, names: &[String]) -> Option<(usize, Vec<String>)> {
    let chars: Vec<char> = text.chars().collect();
    let cursor = cursor.min(chars.len());
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    if chars.get(cursor).is_some_and(|&c| ident(c)) {
        return None; // inside a word: nothing to complete at its end
    }
    let start = (0..cursor).rev().take_while(|&i| ident(chars[i])).last()?;
    let word: String = chars[start..cursor].iter().collect::<String>().to_lowercase();
    if names.iter().any(|n| n.to_lowercase() == word) {
        return None;
    }
    let mut found: Vec<String> = names.iter().filter(|n| n.to_lowercase().starts_with(&word)).cloned().collect();
    found.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    found.dedup();
    found.truncate(8);
    (!found.is_empty()).then_some((start, found))
}

/// The byte range to mark for an error at 1-based `line` and `column` (in characters): the word
/// starting there, or one character; at the end of a line or of the text, the character before.
pub fn error_range(text: &str, line: u64, column: u64) -> Option<std::ops::Range<usize>> {
    let start_of_line =
        if line <= 1 { 0 } else { text.match_indices('\n').nth(usize::try_from(line).ok()? - 2)?.0 + 1 };
    let line_text = &text[start_of_line..];
    let line_text = &line_text[..line_text.find('\n').unwrap_or(line_text.len())];
    let col = usize::try_from(column).ok()?.max(1) - 1;
    let at = line_text.char_indices().nth(col).map(|(i, _)| i);
    let Some(at) = at else {
        // Past the end (an unexpected end of the statement): the last character of the line.
        let last = line_text.char_indices().last()?.0;
        return Some(start_of_line + last..start_of_line + line_text.len());
    };
    let rest = &line_text[at..];
    let word = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
    let len = if word > 0 { word } else { rest.chars().next().map_or(0, char::len_utf8) };
    Some(start_of_line + at..start_of_line + at + len)
}

/// Underlines `range` (byte offsets into the job's text) in `color`, splitting sections.
fn underline(job: &mut egui::text::LayoutJob, range: std::ops::Range<usize>, color: Color32) {
    let mut out = Vec::with_capacity(job.sections.len() + 2);
    for s in job.sections.drain(..) {
        let (a, b) = (s.byte_range.start.0, s.byte_range.end.0);
        let (lo, hi) = (range.start.max(a), range.end.min(b));
        if lo >= hi {
            out.push(s);
            continue;
        }
        for (x, y, mark) in [(a, lo, false), (lo, hi, true), (hi, b, false)] {
            if x < y {
                let mut part = s.clone();
                part.byte_range = egui::text::ByteIndex(x)..egui::text::ByteIndex(y);
                if mark {
                    part.format.underline = egui::Stroke::new(2.0, color);
                    part.format.color = color;
                }
                out.push(part);
            }
        }
    }
    job.sections = out;
}

/// Renders markdown: `#` headings, `-`/`1.` lists, `**bold**`, `` `code` ``, paragraphs.
pub fn markdown(ui: &mut Ui, text: &str) {
    for line in text.lines() {
        let t = line.trim_end();
        if let Some(h) = t.strip_prefix("### ") {
            ui.label(RichText::new(h).strong());
        } else if let Some(h) = t.strip_prefix("## ") {
            ui.label(RichText::new(h).heading().size(17.0));
        } else if let Some(h) = t.strip_prefix("# ") {
            ui.heading(h);
        } else if let Some(item) = t.trim_start().strip_prefix("- ").or_else(|| t.trim_start().strip_prefix("* ")) {
            ui.horizontal_wrapped(|ui| {
                ui.label("  •");
                inline(ui, item);
            });
        } else if t.is_empty() {
            ui.add_space(4.0);
        } else {
            ui.horizontal_wrapped(|ui| inline(ui, t));
        }
    }
}

/// Inline markup: **bold** and `code`.
fn inline(ui: &mut Ui, text: &str) {
    ui.spacing_mut().item_spacing.x = 0.0;
    let mut rest = text;
    while !rest.is_empty() {
        let next_bold = rest.find("**");
        let next_code = rest.find('`');
        let (pos, marker) = match (next_bold, next_code) {
            (Some(b), Some(c)) if c < b => (c, "`"),
            (Some(b), _) => (b, "**"),
            (None, Some(c)) => (c, "`"),
            (None, None) => {
                ui.label(rest);
                break;
            }
        };
        if pos > 0 {
            ui.label(&rest[..pos]);
        }
        let after = &rest[pos + marker.len()..];
        match after.find(marker) {
            Some(end) => {
                let inner = &after[..end];
                ui.label(if marker == "`" { RichText::new(inner).code() } else { RichText::new(inner).strong() });
                rest = &after[end + marker.len()..];
            }
            None => {
                ui.label(&rest[pos..]);
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_ranges_mark_the_word_at_the_position() {
        let sql = "SELECT 1;\nSELEC x FROM t";
        assert_eq!(error_range(sql, 2, 1).map(|r| &sql[r]), Some("SELEC"));
        assert_eq!(error_range(sql, 2, 7).map(|r| &sql[r]), Some("x"));
        assert_eq!(error_range(sql, 1, 9).map(|r| &sql[r]), Some(";"));
        // Past the end of the line: its last character.
        assert_eq!(error_range(sql, 1, 40).map(|r| &sql[r]), Some(";"));
        assert_eq!(error_range("SELECT é+", 1, 8).map(|r| &"SELECT é+"[r]), Some("é"));
        assert_eq!(error_range(sql, 9, 1), None);
    }

    #[test]
    fn completions_of_the_word_before_the_cursor() {
        let names: Vec<String> =
            ["people", "pagerank", "people_edges", "age", "all_paths"].iter().map(|s| s.to_string()).collect();
        let c = |t: &str, at: usize| completions(t, at, &names);
        assert_eq!(c("SELECT * FROM pe", 16), Some((14, vec!["people".into(), "people_edges".into()])));
        assert_eq!(c("SELECT A", 8), Some((7, vec!["age".into(), "all_paths".into()])));
        // Nothing typed, a whole name, or the cursor inside a word.
        assert_eq!(c("SELECT ", 7), None);
        assert_eq!(c("SELECT age", 10), None);
        assert_eq!(c("SELECT pe FROM t", 8), None);
        assert_eq!(c("SELECT xyz", 10), None);
    }

    #[test]
    fn underlining_splits_sections() {
        let sql = "SELECT nope FROM t";
        let mut job = highlight_sql(sql, true);
        let n = job.sections.len();
        underline(&mut job, 7..11, Color32::RED);
        let marked: Vec<&str> = job
            .sections
            .iter()
            .filter(|s| s.format.underline.width > 0.0)
            .map(|s| &sql[s.byte_range.start.0..s.byte_range.end.0])
            .collect();
        assert_eq!(marked, ["nope"]);
        assert!(job.sections.len() >= n);
        let text: String = job.sections.iter().map(|s| &sql[s.byte_range.start.0..s.byte_range.end.0]).collect();
        assert_eq!(text, sql);
    }

    #[test]
    fn highlight_covers_all_text() {
        let sql = "SELECT a, 'x' -- c\nFROM t WHERE b > 1.5 — é";
        let job = super::highlight_sql(sql, true);
        assert_eq!(job.text, sql);
        assert!(job.sections.len() > 8);
    }
}
