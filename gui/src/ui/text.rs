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

/// A SQL editor with line numbers. Returns true when Ctrl+Enter was pressed in it.
pub fn sql_editor(ui: &mut Ui, cell: u64, sql: &mut String, label: egui::Id) -> bool {
    let id = egui::Id::new(("sql", cell));
    let run = ui.memory(|m| m.has_focus(id)) && ui.input_mut(|i| i.consume_key(Modifiers::COMMAND, Key::Enter));
    let dark = ui.visuals().dark_mode;
    let mut layouter = |ui: &Ui, buf: &dyn egui::TextBuffer, wrap: f32| {
        let mut job = highlight_sql(buf.as_str(), dark);
        job.wrap.max_width = wrap;
        ui.ctx().fonts_mut(|f| f.layout_job(job))
    };
    ui.horizontal_top(|ui| {
        let lines = sql.lines().count().max(1) + usize::from(sql.ends_with('\n'));
        let numbers: String = (1..=lines.max(3)).map(|n| format!("{n:>3}\n")).collect();
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
    run
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
    #[test]
    fn highlight_covers_all_text() {
        let sql = "SELECT a, 'x' -- c\nFROM t WHERE b > 1.5 — é";
        let job = super::highlight_sql(sql, true);
        assert_eq!(job.text, sql);
        assert!(job.sections.len() > 8);
    }
}
