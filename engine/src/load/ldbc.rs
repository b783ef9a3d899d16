//! LDBC Graphalytics graphs: `G.properties` (direction, algorithms and their parameters),
//! `G.v` (vertex ids) and `G.e` (`src dst [weight]`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::context::CancelToken;
use crate::error::{Error, Result};
use crate::graph::EdgeList;
use crate::ids::IdColumn;
use crate::load::edgelist;

/// A parsed `.properties` file of one LDBC graph.
#[derive(Debug, Clone)]
pub struct LdbcGraph {
    pub name: String,
    pub dir: PathBuf,
    pub directed: bool,
    pub vertex_file: PathBuf,
    pub edge_file: PathBuf,
    /// Algorithms listed in the properties, lower case (`bfs`, `pr`, ...).
    pub algorithms: Vec<String>,
    /// Every `graph.G.*` property, with the `graph.G.` prefix removed.
    pub properties: BTreeMap<String, String>,
}

/// True when `dir` holds a `.properties` file (an LDBC Graphalytics graph folder).
pub fn is_graph_folder(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok()).any(|e| e.path().extension().is_some_and(|x| x == "properties")))
        .unwrap_or(false)
}

impl LdbcGraph {
    /// Opens a graph from its folder (containing one `.properties` file) or properties file.
    pub fn open(path: &Path) -> Result<LdbcGraph> {
        let props_path = if path.is_dir() {
            let mut found = Vec::new();
            for entry in std::fs::read_dir(path).map_err(|e| Error::io(path, e))? {
                let p = entry.map_err(|e| Error::io(path, e))?.path();
                if p.extension().is_some_and(|e| e == "properties") {
                    found.push(p);
                }
            }
            match found.len() {
                1 => found.remove(0),
                0 => return Err(Error::Input(format!("{}: no .properties file in this folder", path.display()))),
                _ => return Err(Error::Input(format!("{}: more than one .properties file", path.display()))),
            }
        } else {
            path.to_path_buf()
        };
        let text = std::fs::read_to_string(&props_path).map_err(|e| Error::io(&props_path, e))?;
        let name = props_path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .ok_or_else(|| Error::Input(format!("{}: not a properties file", props_path.display())))?;
        let prefix = format!("graph.{name}.");
        let mut properties = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((k, v)) = line.split_once('=') else {
                return Err(Error::parse(&props_path, i as u64 + 1, format!("expected 'key = value', found '{line}'")));
            };
            if let Some(k) = k.trim().strip_prefix(&prefix) {
                properties.insert(k.to_string(), v.trim().to_string());
            }
        }
        let dir = props_path.parent().map(Path::to_path_buf).unwrap_or_default();
        let get = |k: &str| {
            properties
                .get(k)
                .cloned()
                .ok_or_else(|| Error::Input(format!("{}: missing property graph.{name}.{k}", props_path.display())))
        };
        let directed = match get("directed")?.as_str() {
            "true" => true,
            "false" => false,
            other => {
                return Err(Error::Input(format!(
                    "{}: directed must be true or false, found '{other}'",
                    props_path.display()
                )));
            }
        };
        let vertex_file = dir.join(get("vertex-file").unwrap_or_else(|_| format!("{name}.v")));
        let edge_file = dir.join(get("edge-file").unwrap_or_else(|_| format!("{name}.e")));
        let algorithms = properties
            .get("algorithms")
            .map(|a| a.split(',').map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        Ok(LdbcGraph { name, dir, directed, vertex_file, edge_file, algorithms, properties })
    }

    /// A parameter of an algorithm, e.g. `param("pr", "damping-factor")`.
    pub fn param(&self, alg: &str, key: &str) -> Result<&str> {
        self.properties.get(&format!("{alg}.{key}")).map(String::as_str).ok_or_else(|| {
            Error::Input(format!("graph {}: missing property graph.{}.{alg}.{key}", self.name, self.name))
        })
    }

    /// Reads the vertex and edge files (stopping with `Error::Cancelled` once `cancel` is).
    pub fn read(&self, cancel: &CancelToken) -> Result<EdgeList> {
        let (v, e) = rayon::join(
            || edgelist::read_vertex_ids(&self.vertex_file, cancel),
            || edgelist::read_edge_list_or_empty(&self.edge_file, cancel),
        );
        let mut list = e?;
        list.vertices = Some(IdColumn::Int(v?));
        list.directed = Some(self.directed);
        Ok(list)
    }
}
