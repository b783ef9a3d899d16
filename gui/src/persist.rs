//! Saving and opening notebooks. Saves go through `ember::atomic_file` (the file is replaced
//! whole or left as it was, and a crash mid-save leaves no stray file); an
//! autosave side file (`NAME.autosave`) is written every few seconds while there are unsaved
//! changes and removed on a clean save, so after a crash it is offered back. Opening a notebook
//! runs nothing. Export to Jupyter `.ipynb` (SQL cells as `%%sql` code cells).

use std::path::{Path, PathBuf};

use crate::model::{CellKind, Notebook};

/// Writes `text` as the whole of `path`, or leaves `path` as it was.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), String> {
    ember::atomic_file::write_bytes(path, text.as_bytes()).map_err(|e| e.to_string())
}

pub fn to_json(nb: &Notebook) -> String {
    // Serialising plain data cannot fail.
    serde_json::to_string_pretty(nb).unwrap_or_default()
}

pub fn save(nb: &Notebook, path: &Path) -> Result<(), String> {
    write_atomic(path, &to_json(nb))?;
    let _ = std::fs::remove_file(autosave_path(path));
    Ok(())
}

/// Opens a notebook; errors name the file and the line and column of bad JSON.
pub fn load(path: &Path) -> Result<Notebook, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if is_ipynb(path) {
        return from_ipynb(&text).map_err(|e| format!("{}: {e}", path.display()));
    }
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Whether `path` names a Jupyter notebook (imported, never written over by Save).
pub fn is_ipynb(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("ipynb"))
}

/// A Jupyter notebook as an Ember notebook: cells Ember exported come back whole (each carries
/// its Ember cell in `metadata.ember`); other markdown cells stay markdown; other code cells are
/// kept as markdown holding the code, so nothing is lost.
pub fn from_ipynb(text: &str) -> Result<Notebook, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not a valid .ipynb: {e}"))?;
    if v["nbformat"].as_u64() != Some(4) {
        return Err(format!("not an nbformat 4 notebook (nbformat {})", v["nbformat"]));
    }
    let source = |c: &serde_json::Value| -> String {
        match &c["source"] {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Array(parts) => parts.iter().filter_map(|p| p.as_str()).collect(),
            _ => String::new(),
        }
    };
    let mut nb =
        Notebook { title: v["metadata"]["title"].as_str().unwrap_or_default().to_string(), ..Notebook::default() };
    let cells = v["cells"].as_array().ok_or("no cells list")?;
    for (i, c) in cells.iter().enumerate() {
        if let Some(e) = c["metadata"].get("ember") {
            let mut cell: crate::model::Cell =
                serde_json::from_value(e.clone()).map_err(|err| format!("cell {}: {err}", i + 1))?;
            if nb.cells.iter().any(|x| x.id == cell.id || x.name == cell.name) {
                return Err(format!("cell {}: its id or name repeats an earlier cell's", i + 1));
            }
            cell.output = None;
            nb.cells.push(cell);
            continue;
        }
        let text = source(c);
        let kind = match c["cell_type"].as_str() {
            Some("markdown") => CellKind::Markdown { text },
            Some("code") if c["id"].as_str() == Some("ember-setup") => continue,
            Some("code") => {
                CellKind::Markdown { text: format!("Imported code cell (not run by Ember):\n\n```\n{text}\n```") }
            }
            _ => continue,
        };
        nb.add(kind, None);
    }
    Ok(nb)
}

pub fn parse(text: &str) -> Result<Notebook, String> {
    let nb: Notebook = serde_json::from_str(text).map_err(|e| format!("not a valid notebook: {e}"))?;
    if nb.format > 1 {
        return Err(format!("notebook format {} is newer than this Ember understands (1)", nb.format));
    }
    Ok(nb)
}

/// The autosave side file of a notebook path (or of the untitled notebook).
pub fn autosave_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "notebook".into());
    path.with_file_name(format!("{name}.autosave"))
}

/// Where the autosave of a notebook without a file goes.
pub fn untitled_autosave() -> PathBuf {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("ember").join("untitled.ember.json")
}

/// An autosave newer than the notebook file, to offer after a crash.
pub fn recovery(path: &Path) -> Option<Notebook> {
    let auto = autosave_path(path);
    let a = std::fs::metadata(&auto).and_then(|m| m.modified()).ok()?;
    let newer = std::fs::metadata(path).and_then(|m| m.modified()).map(|n| a > n).unwrap_or(true);
    if !newer {
        return None;
    }
    load(&auto).ok()
}

pub fn write_autosave(nb: &Notebook, path: &Path) -> Result<(), String> {
    let auto = autosave_path(path);
    if let Some(d) = auto.parent() {
        let _ = std::fs::create_dir_all(d);
    }
    write_atomic(&auto, &to_json(nb))
}

pub fn discard_autosave(path: &Path) {
    let _ = std::fs::remove_file(autosave_path(path));
}

/// The notebook as a Jupyter notebook (nbformat 4.5) that runs top to bottom with Ember's
/// Python package: a first cell opens an `ember.Session`; each SQL or DataFrame cell runs its SQL
/// (a DataFrame cell's pipeline as SQL over its registered source) and registers the result
/// under the cell's name, as the notebook does; a graph cell builds an `ember.GraphFrame` from its
/// file or tables and runs its algorithm with every parameter and setting through
/// `GraphFrame.run`, registering the result (and, for a file, the graph's tables); markdown stays
/// markdown. Each cell has the `id` nbformat 4.5 requires.
pub fn to_ipynb(nb: &Notebook) -> String {
    let lines = |s: &str| -> Vec<String> { s.split_inclusive('\n').map(String::from).collect() };
    // A Python string literal (JSON's escapes are Python's).
    let py = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let code = |id: String, ember: Option<serde_json::Value>, src: String| {
        let mut meta = serde_json::Map::new();
        if let Some(e) = ember {
            meta.insert("ember".into(), e);
        }
        serde_json::json!({"cell_type": "code", "id": id, "execution_count": null, "metadata": meta,
                           "outputs": [], "source": lines(&src)})
    };
    let mut cells = vec![code(
        "ember-setup".into(),
        None,
        "# Exported from Ember's notebook; runs with Ember's Python package (pip install ./python).\n\
         import ember\n\n\
         s = ember.Session()"
            .into(),
    )];
    for c in &nb.cells {
        let id = format!("cell-{}", c.id);
        let name = c.name.as_str();
        // The Ember cell itself, so that importing the file gives it back whole.
        let ember = serde_json::to_value(crate::model::Cell { output: None, ..c.clone() }).unwrap_or_default();
        let register_sql =
            |sql: &str| format!("{name} = s.sql({})\ns.register({}, {name})\n{name}.to_pandas()", py(sql), py(name));
        match &c.kind {
            CellKind::Markdown { text } => cells.push(
                serde_json::json!({"cell_type": "markdown", "id": id, "metadata": {"ember": ember}, "source": lines(text)}),
            ),
            CellKind::Sql { sql } => cells.push(code(id, Some(ember), register_sql(sql))),
            CellKind::DataFrame { pipeline } => {
                let (prelude, source) = match &pipeline.source {
                    crate::model::Source::Table(t) => (String::new(), t.trim().to_string()),
                    crate::model::Source::File(p) => {
                        let src = format!("{name}_source");
                        (format!("s.register({}, {})\n", py(&src), py(p.trim())), src)
                    }
                };
                let src = match pipeline.to_sql(&source) {
                    Ok(sql) => format!("{prelude}{}", register_sql(&sql)),
                    Err(e) => format!("# {e}"),
                };
                cells.push(code(id, Some(ember), src));
            }
            CellKind::Graph { graph } if let Some(q) = graph.query() => {
                let src = match &graph.source {
                    crate::model::GraphSource::File { path } => {
                        let (v, e) = (format!("{name}_vertices"), format!("{name}_edges"));
                        format!(
                            "g = ember.GraphFrame.read({})\ns.register({}, g.vertices)\ns.register({}, g.edges)\n{}",
                            py(path.trim()),
                            py(&v),
                            py(&e),
                            register_sql(&graph.query_sql(q, &v, &e))
                        )
                    }
                    crate::model::GraphSource::Tables { vertices, edges } => {
                        register_sql(&graph.query_sql(q, vertices.trim(), edges.trim()))
                    }
                };
                cells.push(code(id, Some(ember), src));
            }
            CellKind::Graph { graph } => {
                let directed = if graph.directed { "True" } else { "False" };
                let mut src = match &graph.source {
                    crate::model::GraphSource::File { path } => {
                        format!("g = ember.GraphFrame.read({}, directed={directed})\n", py(path.trim()))
                    }
                    crate::model::GraphSource::Tables { vertices, edges } => {
                        let v = if vertices.trim().is_empty() {
                            "None".to_string()
                        } else {
                            format!("s.sql({})", py(&format!("SELECT * FROM {}", vertices.trim())))
                        };
                        let e = format!("s.sql({})", py(&format!("SELECT * FROM {}", edges.trim())));
                        format!("g = ember.GraphFrame({v}, {e}, directed={directed})\n")
                    }
                };
                let mut args = vec![py(&graph.algorithm)];
                for (k, v) in &graph.params {
                    if !v.trim().is_empty() {
                        args.push(format!("{k}={}", py(v.trim())));
                    }
                }
                args.push(format!("engine={}", py(&graph.engine)));
                args.push(format!("partitions={}", graph.partitions));
                args.push(format!("strategy={}", py(&graph.strategy)));
                src.push_str(&format!("{name} = g.run({})\ns.register({}, {name})\n", args.join(", "), py(name)));
                if matches!(graph.source, crate::model::GraphSource::File { .. }) {
                    src.push_str(&format!(
                        "s.register({}, g.vertices)\ns.register({}, g.edges)\n",
                        py(&format!("{name}_vertices")),
                        py(&format!("{name}_edges"))
                    ));
                }
                src.push_str(&format!("{name}.to_pandas()"));
                cells.push(code(id, Some(ember), src));
            }
        }
    }
    let doc = serde_json::json!({
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            "title": nb.title
        },
        "nbformat": 4, "nbformat_minor": 5
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::new_kind;

    #[test]
    fn save_load_autosave_and_recovery() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("n.ember.json");
        let mut nb = Notebook::default();
        nb.add(CellKind::Sql { sql: "SELECT 1".into() }, None);
        save(&nb, &p).unwrap();
        assert_eq!(load(&p).unwrap(), nb);
        assert!(recovery(&p).is_none());
        nb.add(new_kind("Markdown"), None);
        std::thread::sleep(std::time::Duration::from_millis(20));
        write_autosave(&nb, &p).unwrap();
        assert_eq!(recovery(&p).unwrap(), nb);
        save(&nb, &p).unwrap();
        assert!(!autosave_path(&p).exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn corrupt_files_give_messages() {
        let e = parse("{\"cells\": [ {\"id\": 1 ]}").unwrap_err();
        assert!(e.starts_with("not a valid notebook: ") && e.contains("line 1 column"), "{e}");
        let e = parse("{\"format\": 7}").unwrap_err();
        assert!(e.contains("newer"), "{e}");
    }

    #[test]
    fn ipynb_import_gives_back_what_was_exported() {
        let dir = tempfile::tempdir().unwrap();
        let mut nb = crate::demo::notebook(dir.path());
        nb.title = "demo".into();
        let back = from_ipynb(&to_ipynb(&nb)).unwrap();
        let strip = |n: &Notebook| -> Vec<crate::model::Cell> {
            n.cells.iter().map(|c| crate::model::Cell { output: None, ..c.clone() }).collect()
        };
        assert_eq!(strip(&back), strip(&nb));
        assert_eq!(back.title, "demo");
        // A notebook from elsewhere: markdown stays, code is kept as markdown, nothing is lost.
        let foreign = r##"{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
            {"cell_type": "markdown", "id": "a", "metadata": {}, "source": ["# Hi\n", "there"]},
            {"cell_type": "code", "id": "b", "metadata": {}, "execution_count": null, "outputs": [],
             "source": "x = 1\nprint(x)"}]}"##;
        let nb = from_ipynb(foreign).unwrap();
        assert_eq!(nb.cells.len(), 2);
        assert!(matches!(&nb.cells[0].kind, CellKind::Markdown { text } if text == "# Hi\nthere"));
        assert!(matches!(&nb.cells[1].kind, CellKind::Markdown { text } if text.contains("x = 1\nprint(x)")));
        assert!(from_ipynb("{\"nbformat\": 3, \"cells\": []}").unwrap_err().contains("nbformat 4"));
        assert!(from_ipynb("{ nope").unwrap_err().starts_with("not a valid .ipynb"));
    }

    #[test]
    fn ipynb_export() {
        let mut nb = Notebook::default();
        nb.add(CellKind::Sql { sql: "SELECT 1".into() }, None);
        nb.add(CellKind::Markdown { text: "# Title\ntext".into() }, None);
        let v: serde_json::Value = serde_json::from_str(&to_ipynb(&nb)).unwrap();
        assert_eq!((v["nbformat"].as_i64(), v["nbformat_minor"].as_i64()), (Some(4), Some(5)));
        assert_eq!(v["cells"][0]["source"][1], "import ember\n");
        assert_eq!(v["cells"][1]["source"][0], "query = s.sql(\"SELECT 1\")\n");
        assert_eq!(v["cells"][1]["id"], "cell-1");
        assert_eq!(v["cells"][2]["cell_type"], "markdown");
    }
}
